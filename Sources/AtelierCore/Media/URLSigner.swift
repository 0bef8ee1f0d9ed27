import Crypto
import Foundation

/// Signs media content URLs so an app, an <img> tag or a CDN can fetch them without the bearer
/// token. The signature is an HMAC over the path, the variant and the expiry.
public struct URLSigner: Sendable {
    let key: SymmetricKey
    /// How long a signed URL stays valid, at least.
    let lifetime: TimeInterval

    public init(key: SymmetricKey, lifetime: TimeInterval) {
        self.key = key
        self.lifetime = lifetime
    }

    public enum Verdict: Equatable, Sendable { case valid, expired, invalid }

    /// Expiries are rounded up to the next whole lifetime so that a URL stays the same for a while:
    /// metadata ETags and CDN caches keep working instead of changing on every request.
    public func sign(path: String, variant: VariantKind, now: Date = Date()) -> String {
        let step = max(60, Int(lifetime))
        let expires = (Int(now.timeIntervalSince1970) / step + 2) * step
        return "\(path)?variant=\(variant.rawValue)&expires=\(expires)&signature=\(signature(path: path, variant: variant.rawValue, expires: expires))"
    }

    public func verify(path: String, variant: String, expires: String?, signature given: String?, now: Date = Date()) -> Verdict {
        guard let expiresText = expires, let expires = Int(expiresText), let given,
              given.utf8.count == 64, let givenBytes = Hex.decode(given)
        else { return .invalid }
        let expected = HMAC<SHA256>.authenticationCode(for: Data(message(path: path, variant: variant, expires: expires).utf8), using: key)
        // HMAC's own comparison is constant-time.
        guard expected == givenBytes else { return .invalid }
        return Double(expires) < now.timeIntervalSince1970 ? .expired : .valid
    }

    private func signature(path: String, variant: String, expires: Int) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(message(path: path, variant: variant, expires: expires).utf8), using: key))
    }

    private func message(path: String, variant: String, expires: Int) -> String {
        "\(path)\n\(variant)\n\(expires)"
    }
}
