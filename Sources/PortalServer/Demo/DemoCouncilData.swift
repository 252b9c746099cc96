/// Brackenshire: a fictional county for the demo. Four districts, twelve electoral divisions
/// (one Member each), sixteen parishes, and the people who run its enquiries.
enum DemoCouncilData {
    struct DistrictData {
        let name: String
        /// Divisions of the district, each with its parishes.
        let divisions: [(name: String, parishes: [String])]
    }

    static let districts: [DistrictData] = [
        .init(name: "Wrenfield", divisions: [
            ("Wrenfield North", ["Wrenfield Town"]),
            ("Wrenfield South", ["Eastleigh Green"]),
            ("Wrenfield Rural", ["Ashby Parva", "Coldharbour"]),
        ]),
        .init(name: "Kestrel Downs", divisions: [
            ("Kestrel East", ["Kestrel"]),
            ("Kestrel West", ["Pennock", "Stowe St Mary"]),
            ("Hollinbury", ["Hollinbury"]),
        ]),
        .init(name: "Marlbeck", divisions: [
            ("Marlbeck Town", ["Marlbeck"]),
            ("Marlbeck Rural", ["Fenby", "Little Orton"]),
            ("Saltmere", ["Saltmere"]),
        ]),
        .init(name: "Thornley Vale", divisions: [
            ("Thornley", ["Thornley"]),
            ("Upper Vale", ["Oakhurst"]),
            ("Lower Vale", ["Brambling", "Netherby"]),
        ]),
    ]

    static let highwaysWorksAreas = ["North Area", "South Area", "East Area", "West Area"]

    /// Teams and their work streams, by service area.
    static let teams: [String: [(team: String, workStreams: [String])]] = [
        "Highways": [
            ("Highway Maintenance", ["Potholes and surface defects", "Footways", "Signs and road markings", "Grit bins and winter service"]),
            ("Street Lighting", ["Lighting faults", "Column replacement", "New lighting requests"]),
            ("Drainage", ["Gullies and drains", "Flooding from the highway"]),
            ("Traffic and Road Safety", ["Speed surveys", "Vehicle activated signs", "Traffic regulation orders", "Safety schemes"]),
            ("Network Management", ["Roadworks and permits", "Skips and scaffolding licences"]),
        ],
        "Adult Social Care": [("Adult Front Door", ["New referrals", "Safeguarding adults"]), ("Carers Support", ["Carers' assessments"])],
        "Bikeability": [("Cycle Training", ["School courses", "Adult lessons"])],
        "Broadband 5G & Connectivity": [("Digital Infrastructure", ["Broadband roll-out", "Mobile coverage"])],
        "Children's Social Care": [("Children's Front Door", ["New referrals", "Safeguarding children"]), ("Fostering and Adoption", ["Enquiries from carers"])],
        "Countryside Greenspace": [("Countryside Service", ["Country parks", "Nature reserves"])],
        "Health": [("Public Health", ["Healthy lifestyles", "Health protection"])],
        "Human Resources & Organisational Development": [("HR Advisory", ["Employment policy", "Recruitment"])],
        "Libraries & Learning": [("Library Service", ["Branch libraries", "Mobile library"]), ("Adult Learning", ["Courses"])],
        "Pollution": [("Environmental Protection", ["Air quality", "Contaminated land"])],
        "Public Rights of Way": [("Rights of Way", ["Path obstructions", "Stiles, gates and signs", "Definitive map"])],
        "Public Transport": [("Passenger Transport", ["Bus services", "Bus stops and shelters", "Concessionary travel"])],
        "Registration Services": [("Registration", ["Births and deaths", "Ceremonies"])],
        "Rural Estates": [("County Farms", ["Tenancies", "Land management"])],
        "School Admissions": [("Admissions", ["Applications", "Appeals"])],
        "School & College Travel": [("Home to School Transport", ["Eligibility", "Routes and passes"])],
        "Schools Education & Learning": [("Education Services", ["Special educational needs", "Attendance", "School buildings"])],
        "Transport & Travel": [("Transport Planning", ["Walking and cycling schemes", "Road safety education"])],
    ]

    struct Person {
        let name: String
        let email: String
        let jobTitle: String?
        let roles: [String]
        /// For Members: their division. For co-ordinators: their service areas.
        let division: String?
        let serviceAreas: [String]

        init(_ name: String, _ email: String, job: String? = nil, roles: [String], division: String? = nil, areas: [String] = []) {
            self.name = name
            self.email = email
            self.jobTitle = job
            self.roles = roles
            self.division = division
            self.serviceAreas = areas
        }
    }

    static let people: [Person] = [
        // The four sign-ins listed on the demo's sign-in page and in the README.
        .init("Cllr Alex Morgan", "member@demo.test", roles: ["member"], division: "Wrenfield North"),
        .init("Sam Patel", "coordinator@demo.test", job: "County Liaison Officer", roles: ["coordinator"], areas: ["Highways"]),
        .init("Chris Walker", "responder@demo.test", job: "Street Lighting Engineer", roles: ["responder"]),
        .init("Morgan Blake", "admin@demo.test", job: "Portal Administrator", roles: ["administrator"]),
        // Members, one for each other division.
        .init("Cllr Bethan Rees", "bethan.rees@demo.test", roles: ["member"], division: "Wrenfield South"),
        .init("Cllr David Okafor", "david.okafor@demo.test", roles: ["member"], division: "Wrenfield Rural"),
        .init("Cllr Helen Marsh", "helen.marsh@demo.test", roles: ["member"], division: "Kestrel East"),
        .init("Cllr Imran Hussain", "imran.hussain@demo.test", roles: ["member"], division: "Kestrel West"),
        .init("Cllr Julia Fenwick", "julia.fenwick@demo.test", roles: ["member"], division: "Hollinbury"),
        .init("Cllr Kevin Doyle", "kevin.doyle@demo.test", roles: ["member"], division: "Marlbeck Town"),
        .init("Cllr Linda Oyelaran", "linda.oyelaran@demo.test", roles: ["member"], division: "Marlbeck Rural"),
        .init("Cllr Martin Greaves", "martin.greaves@demo.test", roles: ["member"], division: "Saltmere"),
        .init("Cllr Nadia Kowalski", "nadia.kowalski@demo.test", roles: ["member"], division: "Thornley"),
        .init("Cllr Peter Ashworth", "peter.ashworth@demo.test", roles: ["member"], division: "Upper Vale"),
        .init("Cllr Ruth Adeyemi", "ruth.adeyemi@demo.test", roles: ["member"], division: "Lower Vale"),
        // Co-ordinators, so that every service area has someone.
        .init("Jo Reynolds", "jo.reynolds@demo.test", job: "County Liaison Officer", roles: ["coordinator", "responder"], areas: ["Highways"]),
        .init("Priya Shah", "priya.shah@demo.test", job: "Adult Services Business Manager", roles: ["coordinator"], areas: ["Adult Social Care", "Health"]),
        .init("Tom Ellis", "tom.ellis@demo.test", job: "Children's Services Liaison", roles: ["coordinator"],
              areas: ["Children's Social Care", "School Admissions", "School & College Travel", "Schools Education & Learning"]),
        .init("Hannah Price", "hannah.price@demo.test", job: "Countryside Access Officer", roles: ["coordinator"],
              areas: ["Public Rights of Way", "Countryside Greenspace", "Rural Estates"]),
        .init("Owen Hughes", "owen.hughes@demo.test", job: "Transport Liaison Officer", roles: ["coordinator"],
              areas: ["Transport & Travel", "Public Transport", "Bikeability"]),
        .init("Megan Lloyd", "megan.lloyd@demo.test", job: "Corporate Enquiries Officer", roles: ["coordinator"],
              areas: ["Libraries & Learning", "Pollution", "Human Resources & Organisational Development", "Registration Services", "Broadband 5G & Connectivity"]),
        // Responders, and the control centre that raises enquiries for Members who phone in.
        .init("Fatima Khan", "fatima.khan@demo.test", job: "Drainage Engineer", roles: ["responder"]),
        .init("Dan O'Connor", "dan.oconnor@demo.test", job: "Traffic Engineer", roles: ["responder"]),
        .init("Lucy Bennett", "lucy.bennett@demo.test", job: "Social Care Team Manager", roles: ["responder"]),
        .init("Rachel Green", "rachel.green@demo.test", job: "Highways & Transport Control Centre Adviser", roles: ["responder"]),
    ]
}
