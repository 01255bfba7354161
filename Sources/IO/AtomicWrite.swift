import Foundation
/// Temporary stand-in; replaced by the IO module.
public func writeAtomically(_ data: Data, to url: URL) throws { try data.write(to: url, options: .atomic) }
