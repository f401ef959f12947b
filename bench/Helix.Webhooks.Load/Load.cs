using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Helix.Webhooks.Load;

/// <summary>Closed-loop (max rate) and open-loop (fixed rate) HTTP load with per-request latency.</summary>
internal static class Load
{
    public const int BodyBytes = 1024;

    public static async Task<int> RunReceiverAsync(Uri url, FileInfo secretFile, int concurrency, int seconds, int rate, int rateSeconds, TimeSpan warmUp, CancellationToken ct)
    {
        var secret = (await File.ReadAllTextAsync(secretFile.FullName, ct)).Trim();
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
        var run = Guid.NewGuid().ToString("N")[..8];
        // Signed while the receiver is idle, so signing costs the load tool nothing during the run.
        Func<long, HttpRequestMessage> make = i => Signed(url, key, $"{run}-{i}");

        var max = await ClosedLoopAsync(make, concurrency, TimeSpan.FromSeconds(seconds), warmUp, ct);
        Report("receiver max", max);
        if (rate > 0)
        {
            var fixedRate = await OpenLoopAsync(i => Signed(url, key, $"{run}-r{i}"), rate, TimeSpan.FromSeconds(rateSeconds), ct);
            Report($"receiver at {rate}/s", fixedRate);
        }
        return max.Errors > 0 ? 1 : 0;
    }

    public static async Task<int> RunBareAsync(Uri url, int concurrency, int seconds, TimeSpan warmUp, CancellationToken ct)
    {
        var body = Body(0);
        var result = await ClosedLoopAsync(_ => new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/bare"))
        {
            Content = new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } },
        }, concurrency, TimeSpan.FromSeconds(seconds), warmUp, ct);
        Report("bare endpoint (H)", result);
        return 0;
    }

    private static HttpRequestMessage Signed(Uri url, byte[] key, string id)
    {
        var body = Body(id.GetHashCode(StringComparison.Ordinal));
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes($"{id}.{timestamp}."));
        hmac.AppendData(body);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/webhooks/bench"))
        {
            Content = new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } },
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", "v1," + Convert.ToBase64String(hmac.GetHashAndReset()));
        return request;
    }

    /// <summary>A 1 KiB JSON body.</summary>
    public static byte[] Body(int seed)
    {
        var head = $"{{\"type\":\"bench.event\",\"seed\":{seed},\"pad\":\"";
        var builder = new StringBuilder(head).Append('x', BodyBytes - head.Length - 2).Append("\"}");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static HttpClient Client(int concurrency) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = concurrency,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseCookies = false,
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<RunResult> ClosedLoopAsync(Func<long, HttpRequestMessage> make, int concurrency, TimeSpan duration, TimeSpan warmUp, CancellationToken ct)
    {
        using var client = Client(concurrency);
        // Warm-up: connections, and the receiver's JIT reaching its final tier (tiered PGO
        // recompiles hot methods for several seconds; a service runs for days).
        await RunWorkersAsync(client, make, concurrency, warmUp, startIndex: 1_000_000_000L, ct);
        return await RunWorkersAsync(client, make, concurrency, duration, startIndex: 0, ct);
    }

    private static async Task<RunResult> RunWorkersAsync(HttpClient client, Func<long, HttpRequestMessage> make, int concurrency, TimeSpan duration, long startIndex, CancellationToken ct)
    {
        var next = startIndex - 1;
        var latencies = new List<long>[concurrency];
        var errors = 0L;
        var statuses = new int[600];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            while (clock.Elapsed < duration && !ct.IsCancellationRequested)
            {
                using var request = make(Interlocked.Increment(ref next));
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.SendAsync(request, ct);
                    Interlocked.Increment(ref statuses[(int)response.StatusCode]);
                    if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                    {
                        mine.Add(Stopwatch.GetTimestamp() - started);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        return new RunResult(clock.Elapsed, latencies.SelectMany(l => l).ToArray(), errors, statuses);
    }

    private static async Task<RunResult> OpenLoopAsync(Func<long, HttpRequestMessage> make, int rate, TimeSpan duration, CancellationToken ct)
    {
        using var client = Client(512);
        var total = (long)(rate * duration.TotalSeconds);
        var requests = Enumerable.Range(0, (int)total).Select(i => make(i)).ToArray();
        var latencies = new long[total];
        var errors = 0L;
        var statuses = new int[600];
        var interval = Stopwatch.Frequency / (double)rate;
        var clock = Stopwatch.StartNew();
        var start = Stopwatch.GetTimestamp();
        var inflight = new List<Task>((int)total);
        for (var i = 0; i < total; i++)
        {
            // Latency counts from when the request was due, not when it was sent (no coordinated omission).
            var due = start + (long)(i * interval);
            while (Stopwatch.GetTimestamp() < due)
            {
                if (due - Stopwatch.GetTimestamp() > Stopwatch.Frequency / 1000)
                {
                    await Task.Delay(1, ct);
                }
                else
                {
                    Thread.SpinWait(20);
                }
            }
            var index = i;
            inflight.Add(Task.Run(async () =>
            {
                try
                {
                    using var response = await client.SendAsync(requests[index], ct);
                    Interlocked.Increment(ref statuses[(int)response.StatusCode]);
                    latencies[index] = Stopwatch.GetTimestamp() - due;
                    if (response.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.OK))
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
                finally
                {
                    requests[index].Dispose();
                }
            }, ct));
        }
        await Task.WhenAll(inflight);
        return new RunResult(clock.Elapsed, latencies.Where(l => l > 0).ToArray(), errors, statuses);
    }

    public static void Report(string name, RunResult result)
    {
        Array.Sort(result.Latencies);
        double Percentile(double p) => result.Latencies.Length == 0 ? double.NaN
            : result.Latencies[(int)Math.Min(result.Latencies.Length - 1, Math.Ceiling(p * result.Latencies.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
        var codes = string.Join(" ", result.Statuses.Select((count, code) => (count, code)).Where(s => s.count > 0).Select(s => $"{s.code}:{s.count}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {result.Latencies.Length / result.Elapsed.TotalSeconds:F0} ok/s over {result.Elapsed.TotalSeconds:F1} s, p50 {Percentile(0.50):F2} ms, "
            + $"p99 {Percentile(0.99):F2} ms, p99.9 {Percentile(0.999):F2} ms, max {Percentile(1):F2} ms, errors {result.Errors}, statuses {codes}"));
    }
}

internal sealed record RunResult(TimeSpan Elapsed, long[] Latencies, long Errors, int[] Statuses);
