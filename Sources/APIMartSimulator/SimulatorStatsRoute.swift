import Hummingbird

/// `GET /_simulator/stats`: the simulator's counters (``SimulatorStats``) as JSON, so a script or a test that runs
/// `assetpipe simulator` as its own process can read submissions, billed images, uploads, polls and faults.
/// Not part of the APIMart contract (the `/_simulator/` prefix says so); it holds no secrets, needs no key and is
/// never fault-injected. Added by the reliability work (crash-resume CLI tests).
extension SimulatorRoutes {
    func registerStats(on router: Router<some RequestContext>) {
        router.get("/_simulator/stats") { _, _ in Self.json(await state.snapshot) }
    }
}
