import Foundation
import Testing

/// Runs an external tool; the test FAILS (never skips) when the tool is missing.
public enum Tool {
    public struct Result { public let status: Int32; public let output: String }

    public static func path(_ name: String, install: String) throws -> String { try ExternalTool.path(name, install: install) }

    public static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> Result {
        let result = try ExternalTool.run(executable, arguments, in: directory)
        return Result(status: result.status, output: result.output)
    }

    public static func openssl(_ arguments: [String], in directory: URL) throws {
        let result = try run(try path("openssl", install: "apt-get install -y openssl"), arguments, in: directory)
        guard result.status == 0 else {
            throw ToolMissing(message: "openssl \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.output)")
        }
    }

    /// `xmlsec1 --verify` exactly as shared/domain/xmlsec1-check.md gives it.
    public static func xmlsecVerify(_ file: URL, trustedCA: URL) throws -> Result {
        try run(try path("xmlsec1", install: "apt-get install -y xmlsec1"),
                ["--verify", "--trusted-pem", trustedCA.path, "--id-attr:Id", "DLHDon", file.path])
    }
}

/// A throw-away PKI made with the openssl CLI in a temporary directory at test time: a root CA and a seller
/// certificate whose subject carries the tax code as `UID=MST:…` like Vietnamese signing certificates,
/// exported as PKCS#12. No key is ever committed.
public final class TestPKI: @unchecked Sendable {
    public let directory: URL
    public let password = "thu-nghiem-123"
    public var caPEM: URL { directory.appendingPathComponent("ca.pem") }
    public var sellerKey: URL { directory.appendingPathComponent("seller.key") }
    public var sellerCert: URL { directory.appendingPathComponent("seller.pem") }
    public var sellerP12: URL { directory.appendingPathComponent("seller.p12") }
    public var otherCA: URL { directory.appendingPathComponent("other-ca.pem") }

    public init(taxCode: String = "0101234567") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("feegate-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Tool.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
                          "-subj", "/C=VN/O=FeeGate Test CA/CN=FeeGate Test Root CA",
                          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: directory)
        try Tool.openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "seller.key", "-out", "seller.csr", "-utf8",
                          "-subj", "/C=VN/L=Hà Nội/O=Công ty TNHH Bãi đỗ xe Hà Nội/CN=Công ty TNHH Bãi đỗ xe Hà Nội/UID=MST:\(taxCode)"], in: directory)
        try "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n"
            .write(to: directory.appendingPathComponent("leaf.ext"), atomically: true, encoding: .utf8)
        try Tool.openssl(["x509", "-req", "-in", "seller.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "4242",
                          "-days", "30", "-extfile", "leaf.ext", "-out", "seller.pem"], in: directory)
        try Tool.openssl(["pkcs12", "-export", "-inkey", "seller.key", "-in", "seller.pem", "-certfile", "ca.pem",
                          "-out", "seller.p12", "-passout", "pass:\(password)"], in: directory)
        // An unrelated CA, to show that chain checks really depend on the trust anchor.
        try Tool.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem",
                          "-days", "30", "-subj", "/C=VN/O=Other CA/CN=Other Root"], in: directory)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    public func write(_ bytes: [UInt8], name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}
