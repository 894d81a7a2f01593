import ArgumentParser

/// The `feegate` command: the gateway server and the tools finance staff and administrators use.
@main
struct FeeGate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feegate",
        abstract: "Non-cash payment and e-invoice gateway: parking, bus fares, public fees.",
        discussion: """
            Every command works on one SQLite database: --db PATH, else $FEEGATE_DB, else ./feegate.sqlite.

            Start here:
              feegate serve                      # run the gateway on 127.0.0.1:8080
              feegate keys create --role admin   # print a new API key (shown once)
              feegate verify                     # prove the ledger is intact
            """,
        version: "0.1.0",
        subcommands: [
            Serve.self, Migrate.self, Keys.self, Operators.self, Ledger.self, Verify.self, Settle.self, CloseDay.self, Export.self,
            TariffCommand.self, QRCommand.self, InvoiceCommand.self, Payments.self, Reconcile.self,
        ]
    )
}
