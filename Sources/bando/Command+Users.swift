// `bando users` and `bando agencies`: the Department's administration from the command line.
// The first administrator is created here (`bando users add NAME --role administrator`), with a
// password read from standard input or typed at a prompt, never a default one.
import ArgumentParser
import Foundation
import GeoStore
import Portal

struct PortalStoreOptions: ParsableArguments {
    @Option(help: "The store: a SpatiaLite file or a PostGIS database (postgres://…?schema=bando).")
    var store: String = "data/bando.sqlite"

    func portal() throws -> PortalService {
        var options = StoreOptions()
        options.store = store
        return PortalService(store: try options.servingStore())
    }
}

/// Reads a password from stdin (`--password-stdin`) or prompts without echo on a terminal.
func readPassword(fromStdin: Bool, prompt: String) throws -> String {
    if fromStdin {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("--password-stdin: standard input held no password")
        }
        return line
    }
    guard isatty(STDIN_FILENO) == 1, let p = getpass(prompt) else {
        throw ValidationError("no terminal to prompt on: pipe the password in and pass --password-stdin")
    }
    return String(cString: p)
}

struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage portal accounts (administrators, agency editors and approvers).",
        subcommands: [Add.self, List.self, Disable.self, Enable.self, ResetPassword.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.")
        @OptionGroup var options: PortalStoreOptions
        @Argument(help: "User name (letters, digits, '.', '_', '-', '@').") var username: String
        @Option(help: "administrator, agency-administrator, editor or approver.") var role: String
        @Option(help: "The agency of an editor or approver (its identifier, see `bando agencies list`).") var agency: String?
        @Option(help: "Full name shown in the audit log.") var name: String = ""
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @Flag(help: "No password: the account signs in only through a single sign-on provider (link its identity on /admin/identities).")
        var noPassword = false

        func run() throws {
            guard let r = Role(rawValue: role) else { throw ValidationError("--role must be administrator, agency-administrator, editor or approver") }
            let portal = try options.portal()
            let pw = noPassword ? nil : try readPassword(fromStdin: passwordStdin, prompt: "Password for \(username): ")
            let u = try portal.createUser(username: username, password: pw, role: r, agency: agency, displayName: name, by: PortalService.commandLine)
            print("created \(u.role.rawValue) \(u.username)\(u.agency.map { " of \($0)" } ?? "")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var options: PortalStoreOptions
        @Option(help: "Only this agency's accounts.") var agency: String?
        func run() throws {
            for u in try options.portal().users(agency: agency, by: PortalService.commandLine) {
                print([u.username, u.role.rawValue, u.agency ?? "-", u.disabled ? "disabled" : "active", u.displayName].joined(separator: "\t"))
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account and end its sessions and tokens.")
        @OptionGroup var options: PortalStoreOptions
        @Argument var username: String
        func run() throws {
            try options.portal().setDisabled(username: username, true, by: PortalService.commandLine)
            print("disabled \(username)")
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @OptionGroup var options: PortalStoreOptions
        @Argument var username: String
        func run() throws {
            try options.portal().setDisabled(username: username, false, by: PortalService.commandLine)
            print("enabled \(username)")
        }
    }

    struct ResetPassword: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reset-password", abstract: "Set a new password (ends the user's sessions).")
        @OptionGroup var options: PortalStoreOptions
        @Argument var username: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        func run() throws {
            let portal = try options.portal()
            let pw = try readPassword(fromStdin: passwordStdin, prompt: "New password for \(username): ")
            try portal.resetPassword(username: username, newPassword: pw, by: PortalService.commandLine)
            print("password of \(username) reset")
        }
    }
}

struct AgenciesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agencies", abstract: "Manage the agencies that publish data.", subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an agency.")
        @OptionGroup var options: PortalStoreOptions
        @Argument(help: "Identifier: lower-case letters, digits, hyphens (e.g. so-tnmt).") var slug: String
        @Option(help: "Full name, e.g. \"Sở Tài nguyên và Môi trường\".") var name: String
        func run() throws {
            let a = try options.portal().createAgency(slug: slug, name: name, by: PortalService.commandLine)
            print("created agency \(a.slug): \(a.name)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agencies.")
        @OptionGroup var options: PortalStoreOptions
        func run() throws {
            for a in try options.portal().agencies() { print("\(a.slug)\t\(a.name)") }
        }
    }
}
