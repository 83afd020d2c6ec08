import Foundation
import CCurl
@testable import Postillon
import Testing

@Suite struct StartupCheckTests {
    /// A real self-signed certificate's DER is long; a minimal DER SEQUENCE is enough for the shape check.
    static let pem = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n"

    @Test func pemBundlesParse() throws {
        #expect(try PEMCertificates.parse(Self.pem) == [[0x30, 0x03, 0x02, 0x01, 0x01]])
        #expect(try PEMCertificates.parse("junk\n" + Self.pem + Self.pem).count == 2)
        #expect(throws: PEMCertificates.Failure.noCertificateBlock) { try PEMCertificates.parse("hello") }
        #expect(throws: PEMCertificates.Failure.noCertificateBlock) { try PEMCertificates.parse("-----BEGIN PRIVATE KEY-----\nMAMCAQE=\n-----END PRIVATE KEY-----") }
        #expect(throws: PEMCertificates.Failure.malformedBlock(1)) { try PEMCertificates.parse("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----") }
        #expect(throws: PEMCertificates.Failure.malformedBlock(2)) { try PEMCertificates.parse(Self.pem + "-----BEGIN CERTIFICATE-----\nMAMCAQ==\n") }
        #expect(!PEMCertificates.isDERSequence([0x30, 0x05, 0x00]))
        #expect(PEMCertificates.isDERSequence([0x30, 0x81, 0x01, 0x00]))
    }

    private func temporary(_ name: String, _ contents: String?) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("startup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        if let contents { try contents.write(toFile: path, atomically: true, encoding: .utf8) }
        return path
    }

    private func verify(_ flags: [ConfigKey: String]) throws(ConfigurationError) {
        var all = flags
        if all[.publicDir] == nil { all[.publicDir] = FileManager.default.temporaryDirectory.path }
        let configuration: Configuration
        do { configuration = try ConfigurationLoader.load(flags: all, environment: [:]) } catch let error as ConfigurationError { throw error } catch {
            throw ConfigurationError(.listen, "unexpected \(error)")
        }
        try StartupCheck.verify(configuration)
    }

    @Test func caFileMustBePEM() throws {
        let notPEM = try temporary("ca.pem", "this is not a certificate\n")
        #expect(throws: ConfigurationError(.caFile, "'\(notPEM)' is not PEM: no BEGIN CERTIFICATE block")) { try verify([.caFile: notPEM]) }
        let missing = try temporary("none.pem", nil)
        #expect(throws: ConfigurationError(.caFile, "'\(missing)' does not exist")) { try verify([.caFile: missing]) }
        let directory = (missing as NSString).deletingLastPathComponent
        #expect(throws: ConfigurationError(.caFile, "'\(directory)' is a directory, not a file")) { try verify([.caFile: directory]) }
        let good = try temporary("good.pem", Self.pem)
        try verify([.caFile: good])
    }

    @Test func accountsFileWithBadJSONNamesTheLine() throws {
        let bad = try temporary("accounts.json", "[\n  {\"name\": \"ci\",\n   oops}\n]\n")
        do {
            try verify([.accountsFile: bad])
            Issue.record("bad JSON accepted")
        } catch {
            #expect(error.key == .accountsFile)
            #expect(error.reason.hasPrefix("'\(bad)' is not valid JSON at line 3"), "\(error.reason)")
        }
    }

    @Test func publicDirMustBeADirectory() throws {
        #expect(throws: ConfigurationError(.publicDir, "'/nonexistent/public' does not exist")) { try verify([.publicDir: "/nonexistent/public"]) }
        let file = try temporary("index.html", "<p>")
        #expect(throws: ConfigurationError(.publicDir, "'\(file)' is not a directory")) { try verify([.publicDir: file]) }
    }

    @Test func localPathsNeverReachAPIErrorBodies() {
        let text = "error setting certificate file: /tmp/startup/ca.pem (CAfile: '/etc/ssl/x.pem')"
        let cleaned = UpstreamErrorMapping.withoutLocalPaths(text)
        #expect(cleaned == "error setting certificate file: [local file] (CAfile: '[local file]')")
        let problem = UpstreamErrorMapping.curlProblem(CurlError(code: CURLcode(77), detail: text, serverResponse: nil))
        #expect(problem.code == "upstream_tls")
        #expect(problem.detail?.contains("/tmp") == false)
    }
}
