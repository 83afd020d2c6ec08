import Foundation
@testable import Postillon
import Testing
@testable import PostillonHTTP

@Suite struct StaticFileHandlerTests {
    /// A temporary public directory with an index, a nested file, a secret outside and a symlink to it.
    final class Fixture {
        let base: String
        let publicDir: String
        let handler: StaticFileHandler

        init() throws {
            base = NSTemporaryDirectory() + "postillon-static-\(UUID().uuidString)"
            publicDir = base + "/public"
            let fm = FileManager.default
            try fm.createDirectory(atPath: publicDir + "/css", withIntermediateDirectories: true)
            try "<h1>hi</h1>".write(toFile: publicDir + "/index.html", atomically: true, encoding: .utf8)
            try "body{}".write(toFile: publicDir + "/css/app.css", atomically: true, encoding: .utf8)
            try "{\"openapi\":\"3.1.0\"}".write(toFile: publicDir + "/openapi.json", atomically: true, encoding: .utf8)
            try "top secret".write(toFile: base + "/secret.txt", atomically: true, encoding: .utf8)
            try "hidden".write(toFile: publicDir + "/.env", atomically: true, encoding: .utf8)
            try fm.createSymbolicLink(atPath: publicDir + "/link.txt", withDestinationPath: base + "/secret.txt")
            try fm.createSymbolicLink(atPath: publicDir + "/outside", withDestinationPath: base)
            handler = try StaticFileHandler(directory: publicDir)
        }

        deinit { try? FileManager.default.removeItem(atPath: base) }

        func get(_ path: String, headers: HTTPHeaders = HTTPHeaders()) -> (status: Int, body: String, headers: HTTPHeaders) {
            do {
                let response = try handler.respond(rawPath: Substring(path), headers: headers)
                if case .bytes(let bytes) = response.body {
                    return (response.status.code, String(decoding: bytes, as: UTF8.self), response.headers)
                }
                return (response.status.code, "", response.headers)
            } catch let problem as Problem {
                return (problem.status.code, "", HTTPHeaders())
            } catch {
                return (-1, "", HTTPHeaders())
            }
        }
    }

    @Test func servesIndexAndFilesWithTypes() throws {
        let fixture = try Fixture()
        let index = fixture.get("/")
        #expect(index.status == 200)
        #expect(index.body == "<h1>hi</h1>")
        #expect(index.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(index.headers["Content-Security-Policy"] != nil)
        #expect(fixture.get("/css/app.css").headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(fixture.get("/openapi.json").headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(fixture.get("/css/app.css").headers["Cache-Control"] == "no-cache")
    }

    @Test func validatorsGive304() throws {
        let fixture = try Fixture()
        let first = fixture.get("/css/app.css")
        let etag = try #require(first.headers["ETag"])
        let lastModified = try #require(first.headers["Last-Modified"])
        #expect(fixture.get("/css/app.css", headers: ["If-None-Match": etag]).status == 304)
        #expect(fixture.get("/css/app.css", headers: ["If-None-Match": "\"other\", \(etag)"]).status == 304)
        #expect(fixture.get("/css/app.css", headers: ["If-None-Match": "\"other\""]).status == 200)
        #expect(fixture.get("/css/app.css", headers: ["If-Modified-Since": lastModified]).status == 304)
        #expect(fixture.get("/css/app.css", headers: ["If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"]).status == 200)
    }

    @Test(arguments: [
        "/../secret.txt", "/css/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/css%2f..%2f..%2fsecret.txt",
        "/..%2fsecret.txt", "/..%5csecret.txt", "/%00index.html", "/index.html%00.css", "//etc/passwd", "/etc/passwd",
        "/link.txt", "/outside/secret.txt", "/.env", "/%2e%65nv", "/%zz", "/css/./app.css",
    ])
    func traversalIsRefused(path: String) throws {
        let fixture = try Fixture()
        let result = fixture.get(path)
        #expect(result.status == 404, "\(path) gave \(result.status)")
        #expect(!result.body.contains("top secret"))
    }

    @Test func safeRelativePathDecodesOnlyPlainSegments() {
        #expect(StaticFileHandler.safeRelativePath("/css/app.css") == "css/app.css")
        #expect(StaticFileHandler.safeRelativePath("/a%20b.txt") == "a b.txt")
        #expect(StaticFileHandler.safeRelativePath("/a/%2e%2e/b") == nil)
        #expect(StaticFileHandler.safeRelativePath("relative") == nil)
    }
}
