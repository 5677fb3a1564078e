public import SwiftSyntax
public import SwiftSyntaxMacros

/// `@HollowInline`, `@HollowHashKey`, `@HollowTypeName`, `@HollowTransient`: markers that `@HollowRecord` reads;
/// they expand to nothing.
public struct HollowFieldMarkerMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax,
        providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] { [] }
}
