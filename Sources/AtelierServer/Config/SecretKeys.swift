import AtelierCore
import Crypto
import Foundation

/// The server's one secret, and the keys derived from it for each use, so that rotating it
/// rotates everything and no key is ever used for two purposes.
struct SecretKeys: Sendable {
    let accessTokens: SymmetricKey
    let signedURLs: SymmetricKey

    init(master: SymmetricKey) {
        func derive(_ label: String) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("atelier \(label)".utf8), outputByteCount: 32)
        }
        accessTokens = derive("access tokens")
        signedURLs = derive("signed urls")
    }

    /// From config when given, else from `<data-dir>/keys/secret.key`, created (mode 0600) on first run.
    static func load(config: AtelierConfig) throws -> SecretKeys {
        if let configured = config.secretKey {
            guard let bytes = Data(base64Encoded: configured) ?? Hex.decode(configured), bytes.count >= 32 else {
                throw ConfigError.invalid("ATELIER_SECRET_KEY", "(hidden: must be base64 or hex of at least 32 bytes)")
            }
            return SecretKeys(master: SymmetricKey(data: bytes))
        }
        let folder = URL(fileURLWithPath: config.dataDir).appendingPathComponent("keys")
        let file = folder.appendingPathComponent("secret.key")
        if let existing = try? Data(contentsOf: file), existing.count >= 32 {
            return SecretKeys(master: SymmetricKey(data: existing))
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fresh = SecureRandom.bytes(32)
        guard FileManager.default.createFile(atPath: file.path, contents: fresh, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        return SecretKeys(master: SymmetricKey(data: fresh))
    }
}
