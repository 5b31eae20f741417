import ArgumentParser
import BorderLink
import Foundation
import SmartGateServer

extension Keys {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new Ed25519 private key (mode 0600) and print its public key (base64) for the other side's `peer add`.")

        @Option(help: "Where to write the private key; an existing file is never overwritten.")
        var output: String

        func run() async throws {
            print(try SmartGateHost.generateSigningKey(at: output))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the public key (base64) of the key this side signs with, then its key id.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "A key file from `keys generate` (default: $SMARTGATE_KEY, else the key file beside the database).")
        var key: String?

        func run() async throws {
            var settings = try database.hostOptions().settings
            if let key { settings.linkKeyPath = key }
            let shown = try SmartGateHost.signingKey(settings)
            print(shown.publicKey)
            print(shown.keyId)
        }
    }
}

/// `smartgate peer …`: the other side's systems this one exchanges messages with.
struct Peer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the other side's systems on the cross-border link.",
        subcommands: [Add.self, List.self, RotateKey.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a peer: its side id, base URL and public key.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The peer's side identity, e.g. CN-HEKOU.") var id: String
        @Option(help: "The peer's base URL; it serves /api/v1/link/inbox.") var url: String
        @Option(help: "The peer's Ed25519 public key, base64 (its `smartgate keys show`).") var publicKey: String

        func run() async throws {
            print(try await SmartGateHost.addPeer(try database.hostOptions(), id: id, url: url, publicKey: publicKey))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the peers and their keys as JSON lines.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            for line in try await SmartGateHost.listPeers(try database.hostOptions()) { print(line) }
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Give a peer a new key; its previous keys stay accepted for the overlap ($SMARTGATE_LINK_KEY_OVERLAP_HOURS, 24 by default).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The peer's side identity.") var id: String
        @Option(help: "The peer's new public key, base64.") var publicKey: String

        func run() async throws {
            print(try await SmartGateHost.rotatePeerKey(try database.hostOptions(), id: id, publicKey: publicKey))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a peer: its messages are no longer accepted.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The peer's side identity.") var id: String

        func run() async throws {
            try await SmartGateHost.removePeer(try database.hostOptions(), id: id)
            print("removed peer \(id)")
        }
    }
}

/// `smartgate link …`: checking the cross-border link.
struct Link: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the cross-border link: conformance of another implementation, reconciliation of a day.",
        subcommands: [Conformance.self, Reconcile.self])

    struct Conformance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the protocol's conformance cases against a system at --url, as its peer --peer-id; one line per case, non-zero exit on a failure.")
        @Option(help: "The system's base URL.") var url: String
        @Option(help: "The peer identity the system has registered for this suite, e.g. ZZ-CONFORMANCE.") var peerId: String
        @Option(help: "The private key of that peer (a `keys generate` file).") var key: String
        @Option(help: "HOST:PORT this suite serves its outbox on for the gap case; the system's URL for the peer must point here.")
        var listen: String?

        func run() async throws {
            guard let text = try? String(contentsOfFile: key, encoding: .utf8), let signing = LinkKey.privateKey(base64: text) else {
                throw ValidationError("--key \(key) does not hold an Ed25519 private key (base64 of 32 bytes)")
            }
            var address: (String, Int)?
            if let listen {
                let parts = listen.split(separator: ":")
                guard parts.count == 2, let port = Int(parts[1]), (1...65_535).contains(port) else { throw ValidationError("--listen must be HOST:PORT") }
                address = (String(parts[0]), port)
            }
            let outcomes = try await LinkConformance.run(.init(url: url, peerId: peerId, key: signing, listen: address))
            for outcome in outcomes { print("\(outcome.passed ? "PASS" : "FAIL")  \(outcome.name): \(outcome.detail)") }
            let failed = outcomes.filter { !$0.passed }.count
            print("\(outcomes.count - failed) of \(outcomes.count) cases passed")
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare a day's messages with the peer's account: counts and hashes each way, and every difference; non-zero exit when they differ.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The peer's side identity.") var peer: String
        @Option(help: "The UTC day, YYYY-MM-DD (messages by their createdAt).") var date: String

        func run() async throws {
            let result = try await SmartGateHost.reconcile(try database.hostOptions(), peer: peer, date: date)
            for line in result.summary { print(line) }
            for line in result.differences { print("DIFFERS  \(line)") }
            if !result.differences.isEmpty { throw ExitCode(1) }
            print("the two sides agree on \(date)")
        }
    }
}

extension Audit {
    struct VerifyPeer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-peer",
            abstract: "Check that a peer's audit chain, as its signed anchors show it, only ever grew; non-zero exit naming a truncated or rewritten chain.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The peer's side identity.") var peer: String

        func run() async throws {
            switch try await SmartGateHost.verifyPeerAnchors(try database.hostOptions(), peer: peer) {
            case .grew(let anchors, let head):
                print("\(peer)'s audit chain only grew: \(anchors) anchors, head at seq \(head)")
            case .truncated(let anchor, let seq, let earlier):
                throw ValidationError("\(peer)'s audit chain was truncated: anchor \(anchor) is at seq \(seq), below the \(earlier) shown before")
            case .rewritten(let anchor, let seq):
                throw ValidationError("\(peer)'s audit chain was rewritten: anchor \(anchor) shows another hash at seq \(seq) than an earlier anchor")
            }
        }
    }
}
