import ArgumentParser

/// `kea-edge`: measures a Kea DHCP server and publishes the metrics as Hollow states.
@main
struct KeaEdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kea-edge",
        abstract: "Measure a Kea DHCP server (eBPF + Kea statistics) and publish the metrics as Hollow states.",
        subcommands: [
            // One line per subcommand; each lives in its own file.
            AggregateCommand.self,
            ImportCommand.self,
            PlotCommand.self,
            RunCommand.self,
            SimulateCommand.self,
            StatsCommand.self,
        ]
    )
}
