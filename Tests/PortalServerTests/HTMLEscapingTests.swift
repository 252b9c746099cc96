import Foundation
@testable import PortalServer
import Testing

@Suite struct HTMLEscapingTests {
    @Test func escapesTextAndAttributes() {
        let node = div(.class("a\"b'c")) { "1 < 2 & 3 > 2 &amp; done" }
        #expect(node.render() == "<div class=\"a&quot;b&#39;c\">1 &lt; 2 &amp; 3 &gt; 2 &amp;amp; done</div>")
    }
}
