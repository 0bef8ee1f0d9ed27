@testable import AtelierCore
import Foundation
import Testing

@Suite("robots.txt rules")
struct RobotsRulesTests {
    @Test("the longest matching pattern wins; Allow wins a tie")
    func precedence() {
        let rules = RobotsRules(parsing: """
        User-agent: *
        Disallow: /shop
        Allow: /shop/listings
        Disallow: /shop/listings/hidden
        Allow: /tie
        Disallow: /tie
        """, agent: "AtelierBot")
        #expect(!rules.allows(path: "/shop"))
        #expect(!rules.allows(path: "/shop/cart"))
        #expect(rules.allows(path: "/shop/listings/42"))
        #expect(!rules.allows(path: "/shop/listings/hidden/1"))
        #expect(rules.allows(path: "/tie/1"))
        #expect(rules.allows(path: "/about"))
    }

    @Test("* matches any characters and a final $ anchors the end")
    func wildcards() {
        let rules = RobotsRules(parsing: """
        User-agent: *
        Disallow: /*.pdf$
        Disallow: /*?sort=
        Disallow: /items/*/edit
        Allow: /items/*/edit/public$
        """, agent: "AtelierBot")
        #expect(!rules.allows(path: "/docs/size-guide.pdf"))
        #expect(rules.allows(path: "/docs/size-guide.pdf?download=1"))
        #expect(rules.allows(path: "/docs/size-guide.pdfx"))
        #expect(!rules.allows(path: "/list?sort=price&page=2"))
        #expect(rules.allows(path: "/list?page=2&sort=price"), "the pattern names ?sort=, not &sort=")
        #expect(rules.allows(path: "/list?page=2"))
        #expect(!rules.allows(path: "/items/42/edit"))
        #expect(!rules.allows(path: "/items/42/edit/public/more"))
        #expect(rules.allows(path: "/items/42/edit/public"))
        #expect(rules.allows(path: "/items/42"))
    }

    @Test("the group naming our agent applies, not *; names compare case-insensitively, versions ignored")
    func agentGroups() {
        let text = """
        # comments and blank lines are ignored

        User-agent: *
        Disallow: /

        User-agent: otherbot
        User-agent: atelierbot/2.0   # two agents, one group
        Disallow: /private   # trailing comment
        Crawl-delay: 2.5

        User-agent: AtelierBot
        Disallow: /drafts
        """
        let ours = RobotsRules(parsing: text, agent: "AtelierBot")
        #expect(ours.allows(path: "/products/1"))
        #expect(!ours.allows(path: "/private/1"))
        #expect(!ours.allows(path: "/drafts/1"), "groups for the same agent are merged")
        #expect(ours.crawlDelay == .milliseconds(2500))

        let someoneElse = RobotsRules(parsing: text, agent: "SomeCrawler")
        #expect(!someoneElse.allows(path: "/products/1"))
        #expect(someoneElse.crawlDelay == nil)
    }

    @Test("no group for us and no * group, an empty Disallow, or an empty file allow everything")
    func allowAll() {
        #expect(RobotsRules(parsing: "User-agent: otherbot\nDisallow: /", agent: "AtelierBot").allows(path: "/x"))
        #expect(RobotsRules(parsing: "User-agent: *\nDisallow:", agent: "AtelierBot").allows(path: "/x"))
        #expect(RobotsRules(parsing: "", agent: "AtelierBot").allows(path: "/x"))
        #expect(RobotsRules(parsing: "Disallow: /\nUser-agent: *\nAllow: /", agent: "AtelierBot").allows(path: "/x"), "rules before any User-agent belong to no group")
    }

    @Test("robots.txt itself is always allowed; disallow-all blocks everything else")
    func robotsFileAlwaysAllowed() throws {
        #expect(RobotsRules.disallowAll.allows(path: "/robots.txt"))
        #expect(!RobotsRules.disallowAll.allows(path: "/"))
        #expect(!RobotsRules.disallowAll.allows(try #require(URL(string: "https://shop.example"))))
        #expect(RobotsRules.allowAll.allows(path: "/anything"))
    }

    @Test("URLs are matched by their percent-encoded path and query")
    func urls() throws {
        let rules = RobotsRules(parsing: "User-agent: *\nDisallow: /caf%c3%a9\nDisallow: /ü\nDisallow: /*?ref=", agent: "AtelierBot")
        #expect(!rules.allows(try #require(URL(string: "https://shop.example/caf%C3%A9/menu"))))
        #expect(!rules.allows(try #require(URL(string: "https://shop.example/%C3%BC"))))
        #expect(!rules.allows(try #require(URL(string: "https://shop.example/a?ref=home"))))
        #expect(rules.allows(try #require(URL(string: "https://shop.example/a?page=2"))))
        #expect(rules.allows(try #require(URL(string: "https://shop.example"))))
    }

    @Test("CRLF files and odd spacing parse the same")
    func formatting() {
        let rules = RobotsRules(parsing: "user-AGENT:AtelierBot\r\ndisallow :   /cart  \r\nCRAWL-DELAY: 10\r\n", agent: "atelierbot")
        #expect(!rules.allows(path: "/cart"))
        #expect(rules.allows(path: "/carts") == false)
        #expect(rules.crawlDelay == .seconds(10))
    }
}
