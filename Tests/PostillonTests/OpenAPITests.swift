import Foundation
@testable import Postillon
import Testing

/// The served OpenAPI document and the router's route table must describe the same API.
@Suite struct OpenAPITests {
    @Test func documentAndRouteTableMatchBothWays() throws {
        let app = try MemoryApp()
        let url = URL(fileURLWithPath: app.services.configuration.publicDir + "/openapi.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        let documented = Set(paths.flatMap { path, item in item.keys.filter { methods.contains($0) }.map { "\($0.uppercased()) \(path)" } })
        let routed = Set(app.router.routeTable.map { "\($0.method) \($0.pattern)" })
        #expect(routed.subtracting(documented).isEmpty, "routes missing from openapi.json: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
    }

    @Test func everyProblemCodeTheCodeUsesIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = try String(contentsOf: root.appendingPathComponent("Public/openapi.json"), encoding: .utf8)
        var codes: Set<String> = []
        let sources = root.appendingPathComponent("Sources/Postillon")
        for case let file as URL in FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)! where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            var rest = Substring(text)
            while let range = rest.range(of: "code: \"") {
                let after = rest[range.upperBound...]
                // Lower-case snake_case codes are ours; upper-case ones are POP3 response codes (IN-USE).
                if let end = after.firstIndex(of: "\""), after[..<end].allSatisfy({ $0.isLowercase || $0 == "_" }) {
                    codes.insert(String(after[..<end]))
                }
                rest = after
            }
        }
        #expect(codes.count > 20)
        let missing = codes.filter { !document.contains("\"\($0)\"") }.sorted()
        #expect(missing.isEmpty, "problem codes not in openapi.json: \(missing)")
    }
}
