/// The service areas a new council starts with, from the councils' own lists. Administrators
/// rename, add and retire areas later; these are only the starting set.
public struct ServiceAreaDefinition: Sendable, Hashable {
    public let name: String
    /// Helps a Member choose the right area: what it covers and what it does not.
    public let glossary: String

    public init(name: String, glossary: String) {
        self.name = name
        self.glossary = glossary
    }
}

public enum DefaultServiceAreas {
    public static let highways = "Highways"

    public static let all: [ServiceAreaDefinition] = [
        .init(name: "Adult Social Care",
              glossary: "Care and support for adults: assessments, care packages, carers' support, safeguarding concerns about an adult."),
        .init(name: "Bikeability",
              glossary: "Cycle training for children and adults, booking courses and school Bikeability sessions."),
        .init(name: "Broadband 5G & Connectivity",
              glossary: "Superfast broadband roll-out, mobile coverage and 5G projects, not-spots and connection vouchers."),
        .init(name: "Children's Social Care",
              glossary: "Support for children and families, children in care, fostering and adoption, safeguarding concerns about a child."),
        .init(name: "Countryside Greenspace",
              glossary: "Country parks, nature reserves, picnic sites and the management of council-owned green spaces."),
        .init(name: "Health",
              glossary: "Public health: stop-smoking services, healthy lifestyles, sexual health and health protection advice."),
        .init(name: "Highways",
              glossary: "Roads, pavements and verges: potholes, street lights, drainage and flooding from the road, grit bins, signs, road markings, speed concerns, traffic regulation orders and improvement schemes."),
        .init(name: "Human Resources & Organisational Development",
              glossary: "The council as an employer: recruitment, employee policies, training and organisational change."),
        .init(name: "Libraries & Learning",
              glossary: "Libraries, mobile and home library services, adult and community learning courses."),
        .init(name: "Pollution",
              glossary: "Air quality, contaminated land and pollution the county council deals with; noise and nuisance go to the district council."),
        .init(name: "Public Rights of Way",
              glossary: "Footpaths, bridleways and byways: obstructions, stiles and gates, signposts, path surfaces and definitive map changes."),
        .init(name: "Public Transport",
              glossary: "Bus services and timetables, bus stops and shelters, community transport and concessionary passes."),
        .init(name: "Registration Services",
              glossary: "Registering births and deaths, ceremonies for marriages and civil partnerships, citizenship ceremonies, certificates."),
        .init(name: "Rural Estates",
              glossary: "County farms and the council's rural land and property holdings."),
        .init(name: "School Admissions",
              glossary: "Applying for school places, in-year transfers, admission appeals and catchment areas."),
        .init(name: "School & College Travel",
              glossary: "Eligibility for free or assisted travel to school or college, routes, passes and transport problems."),
        .init(name: "Schools Education & Learning",
              glossary: "School improvement, special educational needs, attendance, school buildings and governance."),
        .init(name: "Transport & Travel",
              glossary: "Transport planning, walking and cycling schemes, road safety education and sustainable travel."),
    ]
}
