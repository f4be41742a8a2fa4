import AssetpipeCommands

/// The executable: everything else, the command tree included, lives in `AssetpipeCommands`.
@main
enum AssetpipeMain {
    static func main() async {
        await AssetPipeCommand.main()
    }
}
