import AtelierCore
import Crypto
import Foundation
import JWTKit

/// Access tokens: HS256 JWTs naming the user, 15 minutes by default.
struct AccessTokens: AccessTokenIssuer {
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        /// Only access tokens are accepted as bearer tokens.
        var typ: String

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
            guard typ == "access" else { throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "not an access token") }
        }
    }

    let keys: JWTKeyCollection
    let lifetimeSeconds: Int

    static func make(key: SymmetricKey, lifetimeSeconds: Int) async -> AccessTokens {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: key), digestAlgorithm: .sha256, kid: "atelier-1")
        return AccessTokens(keys: keys, lifetimeSeconds: lifetimeSeconds)
    }

    func issue(userID: String) async throws -> String {
        // Whole seconds: some JWT libraries reject fractional NumericDates.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let claims = Claims(sub: .init(value: userID), exp: .init(value: now.addingTimeInterval(Double(lifetimeSeconds))), iat: .init(value: now), typ: "access")
        return try await keys.sign(claims, kid: "atelier-1")
    }

    /// The user id of a valid token, or nil for anything expired, tampered or unsigned.
    func userID(fromToken token: String) async -> String? {
        guard token.utf8.count < 4096, let claims = try? await keys.verify(token, as: Claims.self) else { return nil }
        return claims.sub.value
    }
}
