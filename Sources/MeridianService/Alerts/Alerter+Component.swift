/// `meridian serve` runs the alerts as one of its components.
extension Alerter: ServiceComponent {
    public var name: String { "alerts" }

    public convenience init(_ context: ServiceContext) throws(ServiceError) {
        try self.init(configuration: context.configuration, state: context.state, store: context.store, log: context.log)
    }
}
