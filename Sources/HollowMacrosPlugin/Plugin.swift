import HollowMacrosImplementation
import SwiftCompilerPlugin
public import SwiftSyntax
public import SwiftSyntaxMacros

/// The compiler plugin that provides the macros declared in HollowMacros. The macros live in
/// HollowMacrosImplementation, an ordinary library the tests link (a test target that depends on a `.macro` target
/// makes SwiftPM build the whole test product a second time, for the host); the compiler names a macro by this
/// module, so the types here forward to them.
@main
struct HollowMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [HollowRecordMacro.self, HollowFieldMarkerMacro.self]
}

/// `@HollowRecord`: see HollowMacrosImplementation's `HollowRecordMacro`.
public struct HollowRecordMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax,
        attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol,
        conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        try HollowMacrosImplementation.HollowRecordMacro.expansion(
            of: node, attachedTo: declaration, providingExtensionsOf: type, conformingTo: protocols, in: context)
    }
}

/// The field markers (`@HollowInline`, ...): see HollowMacrosImplementation's `HollowFieldMarkerMacro`.
public struct HollowFieldMarkerMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax,
        providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        try HollowMacrosImplementation.HollowFieldMarkerMacro.expansion(of: node, providingPeersOf: declaration, in: context)
    }
}
