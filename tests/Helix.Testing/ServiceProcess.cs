using System.Diagnostics;

namespace Helix.Testing;

/// <summary>
/// A Helix service as its own OS process (<c>dotnet Helix.X.dll</c> from the test's output folder,
/// where the project reference put it), so a test can SIGKILL it.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly string _assembly;
    private readonly Dictionary<string, string> _environment;
    private Process? _process;

    public ServiceProcess(string assembly, Dictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _assembly = assembly;
        Port = LoopbackProcess.FreePort();
        _environment = new Dictionary<string, string>(environment)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}",
            ["Shutdown__DrainDelay"] = "00:00:00",
            ["Logging__LogLevel__Default"] = "Warning",
        };
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public int? Pid => _process?.Id;

    /// <summary>The last lines the process wrote (standard output and error).</summary>
    public IReadOnlyCollection<string> Output => _output;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }

    /// <summary>Starts the process and waits until <paramref name="probe"/> answers 2xx: <c>/healthz</c> while a dependency is meant to be down.</summary>
    public async Task StartAsync(string probe = "/readyz")
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, _assembly) },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("the service did not start");
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the service exited with {_process.ExitCode} during start-up:\n{string.Join("\n", Output)}");
            }
            try
            {
                using var ready = await http.GetAsync(new Uri(probe, UriKind.Relative));
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the service did not answer {probe} within 60 s");
    }

    /// <summary>SIGKILL: no shutdown hooks, no draining, as the OOM killer or a node loss would.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Peak resident memory of the running process (VmHWM), in bytes.</summary>
    public long PeakResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process!.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

}
