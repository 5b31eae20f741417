import Foundation
import Testing
import VaporTesting
@testable import SmartGateServer

@Suite("Production start: keys and the first admin")
struct ProductionStartTests {
    static func temporaryKeyFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("smartgate-keys-\(UUID().uuidString).json").path
    }

    @Test("without a key file production refuses and says how to create one")
    func missingKeyIsRefused() throws {
        var settings = ServerSettings(database: .sqliteMemory, keyFilePath: Self.temporaryKeyFile())
        settings.keyMode = .requireExisting
        #expect {
            _ = try ServerKeys.load(settings)
        } throws: { error in
            "\(error)".contains("smartgate keys create")
        }
    }

    @Test("a key file created once is read again: a restart signs nobody out")
    func keysPersist() throws {
        let path = Self.temporaryKeyFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = ServerSettings(database: .sqliteMemory, keyFilePath: path)
        let first = try ServerKeys.load(settings)
        let again = try ServerKeys.load(settings)
        #expect(first.tokenKey == again.tokenKey)
        #expect(first.auditKey.rawRepresentation == again.auditKey.rawRepresentation)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(throws: SettingsError.self) { _ = try SmartGateHost.createKeys(settings) }
    }

    @Test("the admin check sees an admin only once one exists", arguments: TestDatabase.available)
    func adminCheck(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            // The test callers include an admin; disable it and the check fails.
            #expect(try await Accounts.hasAdmin(on: app.db))
            _ = try await Accounts.disableUser(email: TestCallers.email(.role(.admin)), actor: "test", on: app)
            #expect(try await !Accounts.hasAdmin(on: app.db))
        }
    }
}
