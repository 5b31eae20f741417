import ArgumentParser
import Foundation
import SmartGateServer

/// Options of the commands that only touch the database.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "sqlite://PATH or postgres://… (default: $DATABASE_URL, else sqlite://smartgate.sqlite).")
    var database: String?

    func hostOptions() throws -> SmartGateHost.Options {
        SmartGateHost.Options(
            hostname: "127.0.0.1", port: 0, environment: "development",
            settings: try ServerSettings.fromEnvironment(databaseFlag: database))
    }
}

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and disable user accounts.", subcommands: [Create.self, List.self, Disable.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user. Gate-scoped roles need --gate; a declarant needs --enterprise.")

        @Option(help: "Login e-mail address.")
        var email: String

        @Option(help: "admin, declarant, driver, customs-officer, border-guard, quarantine-officer, gate-operator, corridor-operator or board-viewer.")
        var role: String

        @Option(help: "A declarant's enterprise: its Vietnamese tax code or Chinese credit code.")
        var enterprise: String?

        @Option(name: .customLong("gate"), help: "A gate this officer or operator works at (repeat for several).")
        var gates: [String] = []

        @Flag(help: "Read the password from the first line of standard input (else it is asked for).")
        var passwordStdin = false

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            bootstrapLogging()
            let password = try readPassword()
            let created = try await SmartGateHost.createUser(
                try database.hostOptions(),
                Accounts.NewUser(email: email, role: role, enterprise: enterprise, gates: gates, password: password))
            print(created)
        }

        private func readPassword() throws -> String {
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("--password-stdin: no password on standard input")
                }
                return line
            }
            guard isatty(STDIN_FILENO) == 1 else {
                throw ValidationError("standard input is not a terminal: pass the password with --password-stdin")
            }
            let first = String(cString: getpass("Password for \(email): "))
            let second = String(cString: getpass("Again: "))
            guard first == second else { throw ValidationError("the two passwords differ") }
            return first
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, one JSON object per line (never a password hash).")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            bootstrapLogging()
            for line in try await SmartGateHost.listUsers(try database.hostOptions()) { print(line) }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user; their sessions stop working within seconds.")

        @Option(help: "The user's e-mail address.")
        var email: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            bootstrapLogging()
            print(try await SmartGateHost.disableUser(try database.hostOptions(), email: email))
        }
    }
}

struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke lane device keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key for a lane device. The key is printed once; only its SHA-256 is stored.")

        @Option(help: "The lane the device is installed at, e.g. kim-thanh-out-1.")
        var lane: String

        @Option(help: "A name for people, e.g. \"plate camera 1\".")
        var name: String

        @Flag(help: "Print one JSON object {id, lane, name, createdAt, revokedAt, key}.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            bootstrapLogging()
            let created = try await SmartGateHost.createDeviceKey(try database.hostOptions(), lane: lane, name: name)
            if json {
                print(created.json)
            } else {
                print("device key \(created.id) for lane \(lane) (shown only now; send it as X-Device-Key):")
                print(created.key)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List device keys, one JSON object per line (never the keys).")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            bootstrapLogging()
            for line in try await SmartGateHost.listDeviceKeys(try database.hostOptions()) { print(line) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a device key by its id; it is refused from then on.")

        @Argument(help: "The device key's id (from `devices list`).")
        var id: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            bootstrapLogging()
            print(try await SmartGateHost.revokeDeviceKey(try database.hostOptions(), id: id))
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the server's signing keys.", subcommands: [Create.self, Generate.self, Show.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the key file (session-token key and audit Ed25519 key) beside the database, or at $SMARTGATE_KEY_FILE.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let path = try SmartGateHost.createKeys(try database.hostOptions().settings)
            print("created \(path) (mode 0600); keep it secret and back it up with the database")
        }
    }
}
