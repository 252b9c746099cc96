import Testing
import VaporTesting
@Test func nothing2() {}
