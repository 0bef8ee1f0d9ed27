import AtelierCore
import Hummingbird

/// `/api/v1/credits`: balance and ledger, newest first.
struct CreditRoutes {
    let credits: CreditService
    let authenticator: Authenticator

    struct CreditsJSON: Encodable, Sendable {
        let balance: Int
        let ledger: [LedgerEntryJSON]
    }

    func add(to api: RouterGroup<AtelierContext>) {
        api.group("credits").add(middleware: authenticator).get { request, context in
            let ownerID = try context.requireUser()
            let page = try PageRequest(limit: try request.uri.queryParameters.int("limit"), cursor: try request.uri.queryParameters.one("cursor"))
            let ledger = try await credits.ledger(ownerID: ownerID, page: page)
            let balance = try await credits.balance(ownerID: ownerID)
            return try Reply.json(CreditsJSON(balance: balance, ledger: ledger.items.map(LedgerEntryJSON.init)), context, nextCursor: .some(ledger.nextCursor))
        }
    }
}
