/// The account Atelier itself acts as: it owns listings' photos and the jobs the platform gives
/// itself (imports, re-embedding). Created by a migration; nobody can sign in as it.
public enum PlatformAccount {
    public static let id = "00000000-0000-7000-8000-000000000000"
}
