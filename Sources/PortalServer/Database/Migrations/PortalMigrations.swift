import Fluent
import PortalCore

/// The schema's history, oldest first. Each migration is written once and never edited after it
/// has shipped; a change is a new migration. Only what both SQLite and PostgreSQL can do with
/// ALTER TABLE appears here: no column type changes and no constraints added to existing tables.
///
/// Fluent records each migration that has run under its type's name (`PortalServer.CreateUsers`)
/// in `_fluent_migrations`, so a type keeps the name it shipped with, even where the migration
/// makes more than the name says: renaming or nesting it would run it again on every existing
/// database. Its file, in this folder, is named for all it does.
enum PortalMigrations {
    /// `clock` dates the rows a migration writes.
    static func all(clock: PortalClock) -> [any Migration] {
        [
            CreateGeography(),                           // districts, divisions, parishes
            CreateServiceAreas(),                        // service areas, their teams and works areas
            SeedDefaultServiceAreas(),                   // the common service areas every council starts with
            CreateUsers(),                               // people, and the areas each co-ordinator looks after
            CreateUserSessions(),                        // signed-in sessions and failed sign-ins
            CreateEnquiryTypes(),                        // enquiry types and subtypes, with the common ones
            CreateEnquiries(),                           // enquiries, reference counters, entries, questions to responders
            CreateAuditTrail(),                          // the append-only, hash-chained audit trail
            CreateServiceLevels(clock: clock),           // calendar, service levels, deadlines, reminders, notifications
            CreateDocuments(),                           // documents and their bytes
            CreateOutbox(),                              // email waiting to be sent
            CreateNotificationPreferences(),             // notification choices, council mail settings, password resets
            CreateSearchIndex(),                         // full-text index, search filter indexes, saved searches
            AddReportIndexes(),                          // each enquiry's month raised, and the reports' indexes
            AddQueueIndexes(),                           // the queues' counts from one index
            AddSearchFilterIndex(),                      // PostgreSQL: words and filters in one GIN index
            CreateAccessibilityStatement(clock: clock),  // the accessibility statement's contact details
            AddSignInReservation(),                      // PostgreSQL: the sign-in throttle's reservation function
            CreatePlaces(),                              // boundaries, asset layers and assets, the gazetteer, enquiries' points
            AddAssetSearch(),                            // enquiries found by their asset's id, and its words in the search index
            CreateEnquiryTallies(),                      // the heat map's tallies of enquiries, kept by triggers
            CreateHighways(),                            // the highways system: settings, services, statuses, sends, updates
            CreatePartnerReferrals(),                    // partner organisations, the enquiry types they take, referrals to them
            AddHighwaysSecondLook(),                     // a report not found in the highways system is looked for twice before it is sent again
            TallyChangesByStatement(),                   // PostgreSQL: the tallies follow a change of many enquiries once a statement
            AddHighwaysListPageSize(),                   // the most requests the highways system lists in one answer
            AddAuditSeals(),                             // a resident's values in the audit trail kept where they can be erased
            AddFollowUpWindow(clock: clock),             // a completed enquiry closes itself when its follow-up window ends
            AddTermsOfOffice(),                          // Members' terms and parties, elections, enquiries shared within a division or party
            AddRetention(),                              // how long residents' data is kept after closure, and when each enquiry's was erased
            AddElectionHandover(),                       // the handover of departing Members' enquiries after an election
            ResealAuditTrail(clock: clock),              // entries written before seals keep a resident's values apart too
            AddHandoverProblem(),                        // when a handover's last batch could not be applied
            CreateApiClients(),                          // the JSON API's clients, their scopes, secrets and rate limits
            CreateWebhooks(),                            // signed webhooks to council systems: subscriptions, deliveries, attempts
        ]
    }
}
