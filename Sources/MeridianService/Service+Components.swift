extension Service {
    /// The components `meridian serve` runs beside the watch loop, in start order (stopped in
    /// reverse). The integrator adds each here, e.g. `Alerter(context)`, `APIServer(context)`,
    /// `HTTPListener(context)`; each gets the first survey's state already published.
    static func components(for context: ServiceContext) throws -> [any ServiceComponent] {
        var components: [any ServiceComponent] = [try Alerter(context), try HTTPComponent(context)]
        if let directory = context.configuration.textfileDirectory {
            components.append(try TextfileWriter(context, directory: directory))
        }
        return components
    }
}
