import SwiftCompilerPlugin
public import SwiftSyntax
public import SwiftSyntaxMacros

/// The compiler plugin that provides the macros declared in HollowMacros.
@main
struct HollowMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [HollowRecordMacro.self, HollowFieldMarkerMacro.self]
}

/// `@HollowInline`, `@HollowHashKey`, `@HollowTypeName`, `@HollowTransient`: markers that `@HollowRecord` reads;
/// they expand to nothing.
public struct HollowFieldMarkerMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax,
        providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] { [] }
}
