import PortalCore

/// A date as the tests write it, `YYYY-MM-DD`.
func day(_ iso: String) -> CivilDate { CivilDate(iso: iso)! }
