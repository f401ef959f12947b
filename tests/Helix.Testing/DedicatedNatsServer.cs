using System.Diagnostics;

namespace Helix.Testing;

/// <summary>
/// A nats-server of one test's own (same binary as the harness's), for tests that stop and restart
/// the broker: the shared one must stay up for everybody else. Port and store survive a restart.
/// </summary>
public sealed class DedicatedNatsServer : IAsyncDisposable
{
    private readonly string _storeDirectory;
    private Process? _process;

    private DedicatedNatsServer(int port, string storeDirectory)
    {
        Port = port;
        _storeDirectory = storeDirectory;
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public static async Task<DedicatedNatsServer> StartAsync()
    {
        // The harness installed nats-server; without the harness there is nothing to run.
        TestEnvironment.Require("HELIX_TEST_NATS_URL", "NATS");
        var server = new DedicatedNatsServer(LoopbackProcess.FreePort(), Directory.CreateTempSubdirectory("helix-nats-").FullName);
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        var info = new ProcessStartInfo("nats-server")
        {
            ArgumentList = { "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-js", "-sd", _storeDirectory },
        };
        _process = await LoopbackProcess.StartAsync(info, Port);
    }

    /// <summary>Ends the server at once (SIGKILL), as a crash or a lost node would.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        Directory.Delete(_storeDirectory, recursive: true);
    }
}
