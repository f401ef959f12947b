using System.Diagnostics;
using Npgsql;

namespace Helix.Testing;

/// <summary>
/// A PgBouncer of one test's own in front of the harness's PostgreSQL (transaction pooling, as the
/// shared one), for tests that kill and restart the pooler: the shared one must stay up for
/// everybody else. The port survives a restart.
/// </summary>
public sealed class DedicatedPgBouncer : IAsyncDisposable
{
    private readonly DirectoryInfo _folder;
    private readonly string _password;
    private Process? _process;

    private DedicatedPgBouncer(int port, DirectoryInfo folder, string password)
    {
        Port = port;
        _folder = folder;
        _password = password;
    }

    public int Port { get; }

    /// <summary>Connection string through this PgBouncer (the harness's database and role).</summary>
    public string ConnectionString =>
        new NpgsqlConnectionStringBuilder(TestEnvironment.Require("HELIX_TEST_PGBOUNCER", "PgBouncer")) { Port = Port }.ConnectionString;

    public static async Task<DedicatedPgBouncer> StartAsync()
    {
        var direct = new NpgsqlConnectionStringBuilder(TestEnvironment.Require("HELIX_TEST_POSTGRES", "PostgreSQL"));
        var folder = Directory.CreateTempSubdirectory("helix-pgbouncer-");
        var bouncer = new DedicatedPgBouncer(LoopbackProcess.FreePort(), folder, direct.Password!);
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "userlist.txt"), $"\"{direct.Username}\" \"{bouncer._password}\"\n");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "pgbouncer.ini"), $"""
            [databases]
            * = host={direct.Host} port={direct.Port}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {bouncer.Port}
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = {folder.FullName}/userlist.txt
            pool_mode = transaction
            max_client_conn = 1000
            default_pool_size = 20
            ignore_startup_parameters = extra_float_digits

            """);
        if (Environment.UserName == "root")
        {
            // PgBouncer refuses to run as root: it runs as postgres, as the harness's does.
            foreach (var path in new[] { folder.FullName }.Concat(folder.EnumerateFiles().Select(f => f.FullName)))
            {
                await Run("chown", "postgres:postgres", path);
            }
        }
        await bouncer.StartAgainAsync();
        return bouncer;
    }

    public async Task StartAgainAsync()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        var info = new ProcessStartInfo(Environment.UserName == "root" ? "setpriv" : "pgbouncer");
        if (Environment.UserName == "root")
        {
            foreach (var argument in new[] { "--reuid=postgres", "--regid=postgres", "--init-groups", "--", "pgbouncer" })
            {
                info.ArgumentList.Add(argument);
            }
        }
        info.ArgumentList.Add(Path.Combine(_folder.FullName, "pgbouncer.ini"));
        _process = await LoopbackProcess.StartAsync(info, Port);
    }

    /// <summary>SIGKILL: every client and server connection through it drops at once.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        _folder.Delete(recursive: true);
    }

    private static async Task Run(string file, params string[] arguments)
    {
        using var process = Process.Start(file, arguments);
        await process.WaitForExitAsync();
    }
}
