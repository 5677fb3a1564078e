import ArgumentParser

/// `hollow`: publish, inspect, dump, watch and operate Hollow datasets.
@main
struct Hollow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hollow",
        abstract: "Publish, consume, inspect and operate Hollow datasets.",
        subcommands: [
            Dump.self,
            Inspect.self,
            Store.self,
            Verify.self,
            Publish.self,
            Pin.self,
            Unpin.self,
            Status.self,
            Watch.self,
            Explore.self,
            Demo.self,
            Generate.self,
            // One line per subcommand; each lives in its own file.
        ]
    )
}
