using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Helix.Remediation.Load;

internal sealed record BenchOptions(FileInfo Service, int Commits, int Rollbacks, int Seconds, int Warmup, int Concurrency);

/// <summary>
/// Starts the Remediation Service as its own process against the harness's PostgreSQL (through
/// PgBouncer) and git server, with ArgoCD and GitHub answered by <see cref="Stubs"/>, then measures
/// (1) from posting the alert that crosses the threshold to the pull request request reaching the
/// host, each on a fresh bad change to a repository of <see cref="BenchOptions.Commits"/> commits, and
/// (2) duplicate alerts answered per second.
/// </summary>
internal static class Bench
{
    private const string Token = "bench-alertmanager-token";

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set: eval \"$(scripts/services.sh env)\"");
        var work = Directory.CreateTempSubdirectory("helix-remediation-bench-");
        var schema = $"bench_{Guid.NewGuid():N}"[..18];
        await using var direct = NpgsqlDataSource.Create(Env("HELIX_TEST_POSTGRES"));
        await using var stubs = await Stubs.StartAsync();

        var watch = Stopwatch.StartNew();
        var repository = GitRepository.Create(Env("HELIX_TEST_GIT_ROOT"));
        repository.Commit(Enumerable.Range(0, options.Commits).Select(i =>
            ($"change {i}", $"gitops/apps/app-{i % 100}/base/deployment.yaml", $"image: app:{i}\nreplicas: {1 + (i % 3)}\n")));
        Console.WriteLine($"repository: {options.Commits:N0} commits written in {watch.Elapsed.TotalSeconds:F1} s");

        await File.WriteAllTextAsync(Path.Combine(work.FullName, "alertmanager-token"), Token, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "argocd-token"), "bench", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "git-token"), Env("HELIX_TEST_GIT_TOKEN"), cancellationToken);
        const int Port = 5280;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(options.Service.FullName);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Remediation__MinSignals"] = "1",
            ["Remediation__PersistFor"] = "00:00:00",
            ["Remediation__WorkDirectory"] = Path.Combine(work.FullName, "clone"),
            ["Signals__AlertmanagerTokens__0"] = $"file:{work.FullName}/alertmanager-token",
            ["Signals__ArgoCdTokens__0"] = $"file:{work.FullName}/alertmanager-token",
            ["ArgoCd__Url"] = stubs.Url.ToString(),
            ["ArgoCd__Token"] = $"file:{work.FullName}/argocd-token",
            ["Git__Url"] = $"{Env("HELIX_TEST_GIT_URL").TrimEnd('/')}/{Path.GetFileName(repository.Path)}",
            ["Git__Username"] = Env("HELIX_TEST_GIT_USERNAME"),
            ["Git__Token"] = $"file:{work.FullName}/git-token",
            ["PullRequests__ApiUrl"] = new Uri(stubs.Url, "api/v3/").ToString(),
            ["PullRequests__Owner"] = "acme",
            ["PullRequests__Repository"] = "gitops",
            ["Database__ConnectionString"] = Env("HELIX_TEST_PGBOUNCER"),
            ["Database__MigrationConnectionString"] = Env("HELIX_TEST_POSTGRES"),
            ["Database__Schema"] = schema,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = process.StandardError.ReadToEndAsync(cancellationToken);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency }) { BaseAddress = new Uri($"http://127.0.0.1:{Port}") };
        try
        {
            await WaitReadyAsync(http, process, cancellationToken);

            // 1. Signal to pull request request.
            var latencies = new List<double>();
            for (var i = 0; i < options.Rollbacks; i++)
            {
                var application = $"app-{i}";
                var healthy = repository.Head()!;
                var bad = repository.Commit([
                    ($"{application} 2.0", $"gitops/apps/{application}/base/deployment.yaml", $"image: {application}:2.0\n"),
                    ($"{application} 2.0, 4 replicas", $"gitops/apps/{application}/base/deployment.yaml", $"image: {application}:2.0\nreplicas: 4\n")]);
                var syncedAt = DateTimeOffset.UtcNow.AddSeconds(-10);
                stubs.SetApplication(application, healthy, bad, syncedAt);
                var opened = stubs.PullRequestOf(application);
                var started = Stopwatch.GetTimestamp();
                using (var response = await PostAsync(http, Alert(application, $"fp-{i}", syncedAt.AddSeconds(5)), cancellationToken))
                {
                    response.EnsureSuccessStatusCode();
                }
                await opened.WaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            var warm = latencies.Skip(1).Order().ToList();
            Console.WriteLine($"signal -> pull request request, {options.Commits:N0}-commit repository:");
            Console.WriteLine($"  first (clones the repository): {latencies[0]:F0} ms");
            if (warm.Count > 0)
            {
                Console.WriteLine($"  next {warm.Count} (fetch, revert 2 commits, push, open): p50 {Percentile(warm, 0.5):F0} ms, p95 {Percentile(warm, 0.95):F0} ms, max {warm[^1]:F0} ms");
            }

            // 2. Ignored duplicates.
            var duplicate = Alert("app-0", "fp-0", DateTimeOffset.UtcNow.AddSeconds(-5));
            using (var first = await PostAsync(http, duplicate, cancellationToken))
            {
                first.EnsureSuccessStatusCode();
            }
            await LoadAsync(http, duplicate, options.Concurrency, TimeSpan.FromSeconds(options.Warmup), null, cancellationToken);
            var measured = new List<double>();
            var count = await LoadAsync(http, duplicate, options.Concurrency, TimeSpan.FromSeconds(options.Seconds), measured, cancellationToken);
            measured.Sort();
            Console.WriteLine($"duplicate alerts ({options.Concurrency} in flight, {options.Seconds} s): {count / (double)options.Seconds:N0}/s, "
                + $"p50 {Percentile(measured, 0.5):F1} ms, p99 {Percentile(measured, 0.99):F1} ms");
            Console.WriteLine($"pull request requests in all: {stubs.PullRequests} (expected {options.Rollbacks})");
            Console.WriteLine($"service peak RSS: {PeakRss(process)}");
            return stubs.PullRequests == options.Rollbacks ? 0 : 1;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            await using (var drop = direct.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            {
                await drop.ExecuteNonQueryAsync(CancellationToken.None);
            }
            Directory.Delete(repository.Path, recursive: true);
            work.Delete(recursive: true);
        }
    }

    private static async Task<long> LoadAsync(HttpClient http, string body, int concurrency, TimeSpan duration, List<double>? latencies, CancellationToken cancellationToken)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long count = 0;
        var perWorker = new List<double>[concurrency];
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = perWorker[worker] = [];
            while (Stopwatch.GetTimestamp() < until)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await PostAsync(http, body, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"duplicate refused: {(int)response.StatusCode}");
                }
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref count);
            }
        }));
        latencies?.AddRange(perWorker.SelectMany(l => l));
        return count;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/signals/alertmanager") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await http.SendAsync(request, cancellationToken);
    }

    private static async Task WaitReadyAsync(HttpClient http, Process process, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 300; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the service exited with {process.ExitCode}");
            }
            try
            {
                using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken);
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException("the service never became ready");
    }

    /// <summary>An Alertmanager webhook (version 4) with one firing alert about the application.</summary>
    private static string Alert(string application, string fingerprint, DateTimeOffset startsAt) => JsonSerializer.Serialize(new
    {
        version = "4",
        groupKey = "{}:{alertname=\"Errors\"}",
        status = "firing",
        receiver = "remediation",
        alerts = new[]
        {
            new
            {
                status = "firing",
                labels = new Dictionary<string, string> { ["alertname"] = "Errors", ["helix_app"] = application },
                annotations = new Dictionary<string, string> { ["summary"] = "errors above 5%" },
                startsAt = startsAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                endsAt = "0001-01-01T00:00:00Z",
                generatorURL = "",
                fingerprint,
            },
        },
    });

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string PeakRss(Process process)
    {
        var status = File.ReadAllLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return status is null ? "unknown" : $"{long.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024} MB";
    }
}
