import AtelierCore
import HummingbirdBcrypt
import NIOPosix

/// bcrypt on NIO's blocking-work pool: a hash takes tens to hundreds of milliseconds by design.
struct BcryptHasher: PasswordHasher {
    let cost: UInt8

    func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
