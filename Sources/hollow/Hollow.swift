import ArgumentParser

/// `hollow`: publish, inspect, dump, watch and operate Hollow datasets.
@main
struct Hollow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hollow",
        abstract: "Publish, consume, inspect and operate Hollow datasets.",
        subcommands: [
            Bench.self,
            Publish.self,
            Dump.self,
            Inspect.self,
            // One line per subcommand; each lives in its own file.
        ]
    )
}
