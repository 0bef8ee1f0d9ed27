import Foundation

/// Rules for what users type in: emails compare case-insensitively, passwords fit bcrypt.
public enum Credentials {
    public static func normalisedEmail(_ raw: String) throws(AtelierError) -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: { $0.isWhitespace || $0.isNewline })
        else { throw .validation("email is not a valid address.", field: "email") }
        return email
    }

    public static func checkPassword(_ password: String) throws(AtelierError) {
        // Code points, as the document's minLength counts.
        guard password.unicodeScalars.count >= 8 else { throw .validation("password must have at least 8 characters.", field: "password") }
        // bcrypt reads only the first 72 bytes; refuse rather than silently ignore the rest.
        guard password.utf8.count <= 72 else { throw .validation("password must be at most 72 bytes.", field: "password") }
    }
}
