import Foundation
@testable import Postillon
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsAreSecure() throws {
        let configuration = try ConfigurationLoader.load(flags: [:], environment: [:])
        #expect(configuration.http.host == "127.0.0.1")
        #expect(configuration.http.port == 8080)
        #expect(configuration.pop3 == UpstreamURL(scheme: "pop3s", host: "127.0.0.1", port: 995))
        #expect(configuration.allowPlaintext == false)
        #expect(configuration.insecureSkipVerify == false)
        #expect(configuration.maxSendBytes == 25 * 1024 * 1024)
    }

    @Test func flagsBeatEnvironmentBeatsDefaults() throws {
        let configuration = try ConfigurationLoader.load(
            flags: [.listen: "[::1]:9000"],
            environment: ["POSTILLON_LISTEN": "127.0.0.1:7000", "POSTILLON_POP3_URL": "pop3://mail.example:1110", "POSTILLON_WORKERS": "8"])
        #expect(configuration.http.host == "::1")
        #expect(configuration.http.port == 9000)
        #expect(configuration.pop3.curlURL == "pop3://mail.example:1110")
        #expect(configuration.http.workerThreads == 8)
    }

    @Test(arguments: [
        (ConfigKey.listen, "nowhere"), (.listen, "example.com:80"), (.listen, "127.0.0.1:99999"),
        (.pop3URL, "imap://x:143"), (.pop3URL, "pop3s://user:pw@host:995"), (.pop3URL, "pop3s://host:0"), (.pop3URL, "pop3s://host/inbox"),
        (.smtpURL, "http://x"), (.logLevel, "loud"), (.workers, "many"), (.workers, "0"), (.allowPlaintext, "perhaps"),
        (.caFile, "/nonexistent/ca.pem"), (.ehloName, "bad name"), (.headerTimeout, "-1"),
        (.corsOrigins, "*"), (.corsOrigins, "https://app.example.org/path"),
    ])
    func invalidValuesNameTheirKey(key: ConfigKey, value: String) {
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(flags: [key: value], environment: [:]) }
        do {
            _ = try ConfigurationLoader.load(flags: [key: value], environment: [:])
        } catch let error as ConfigurationError {
            #expect(error.key == key)
            #expect(error.description.contains(key.environmentName))
            #expect(!error.description.contains("pw@"), "credentials must not be echoed")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func everyKeyHasHelpAndOneNamingScheme() {
        for key in ConfigKey.allCases {
            #expect(!key.help.isEmpty)
            #expect(key.environmentName == "POSTILLON_" + key.rawValue.uppercased().replacingOccurrences(of: "-", with: "_"))
        }
    }

    @Test func printableConfigurationListsEveryKey() throws {
        let text = try ConfigurationLoader.load(flags: [:], environment: [:]).printable
        for key in ConfigKey.allCases {
            #expect(text.contains("\(key.rawValue) = "), "missing \(key.rawValue)")
        }
    }
}
