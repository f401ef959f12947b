using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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
        var server = new DedicatedNatsServer(FreePort(), Directory.CreateTempSubdirectory("helix-nats-").FullName);
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
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("nats-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
