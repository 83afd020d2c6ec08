#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The checks a configuration passes before anything starts: files exist and are readable, the CA file
/// is PEM with at least one certificate, the accounts file is valid, the public directory is a
/// directory. Each failure is one ``ConfigurationError`` naming the option and the reason; the
/// executable prints it once and exits with status 2.
package enum StartupCheck {
    /// Runs every check on a loaded configuration.
    /// - Throws: ``ConfigurationError`` for the first problem found.
    package static func verify(_ configuration: Configuration) throws(ConfigurationError) {
        if let caFile = configuration.caFile { try certificateFile(caFile) }
        if let accountsFile = configuration.accountsFile {
            do { _ = try APIKeyStore(file: accountsFile) } catch let error as ConfigurationError { throw error } catch {
                throw ConfigurationError(.accountsFile, "'\(accountsFile)' cannot be loaded")
            }
        }
        try directory(configuration.publicDir, key: .publicDir)
    }

    /// Checks that `path` names a readable regular file.
    static func readableFile(_ path: String, key: ConfigKey) throws(ConfigurationError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConfigurationError(key, errno == ENOENT || errno == ENOTDIR ? "'\(path)' does not exist" : "'\(path)': \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw ConfigurationError(key, "'\(path)' is a directory, not a file") }
        guard access(path, R_OK) == 0 else { throw ConfigurationError(key, "'\(path)' is not readable (\(String(cString: strerror(errno))))") }
    }

    /// Checks that `path` is a readable directory.
    static func directory(_ path: String, key: ConfigKey) throws(ConfigurationError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ConfigurationError(key, "'\(path)' does not exist") }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw ConfigurationError(key, "'\(path)' is not a directory") }
        guard access(path, R_OK | X_OK) == 0 else { throw ConfigurationError(key, "'\(path)' is not readable (\(String(cString: strerror(errno))))") }
    }

    /// Checks that the CA file holds at least one PEM certificate.
    static func certificateFile(_ path: String) throws(ConfigurationError) {
        try readableFile(path, key: .caFile)
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationError(.caFile, "'\(path)' is not readable") }
        do throws(PEMCertificates.Failure) {
            _ = try PEMCertificates.parse(String(decoding: data, as: UTF8.self))
        } catch {
            switch error {
            case .noCertificateBlock:
                throw ConfigurationError(.caFile, "'\(path)' is not PEM: no BEGIN CERTIFICATE block")
            case .malformedBlock(let number):
                throw ConfigurationError(.caFile, "'\(path)' is not PEM: certificate \(number) is not valid base64 DER")
            }
        }
    }

}
