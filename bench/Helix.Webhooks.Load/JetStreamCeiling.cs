using System.Diagnostics;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace Helix.Webhooks.Load;

/// <summary>J: NATS.Net publish-with-ack of unique 1 KiB messages to a file-storage stream, same concurrency.</summary>
internal static class JetStreamCeiling
{
    public static async Task<int> RunAsync(string url, int concurrency, int seconds, TimeSpan warmUp, CancellationToken ct)
    {
        await using var client = new NatsClient(url);
        var js = client.CreateJetStreamContext();
        var stream = "BENCH_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await js.CreateStreamAsync(new StreamConfig(stream, [$"bench.{stream}.>"])
        {
            Storage = StreamConfigStorage.File,
            Discard = StreamConfigDiscard.New,
            DuplicateWindow = TimeSpan.FromMinutes(2),
        }, ct);
        try
        {
            var body = Load.Body(0);
            await RunAsync(js, stream, body, concurrency, warmUp, "w", ct);
            var result = await RunAsync(js, stream, body, concurrency, TimeSpan.FromSeconds(seconds), "m", ct);
            Load.Report("jetstream publish (J)", result);
        }
        finally
        {
            await js.DeleteStreamAsync(stream, CancellationToken.None);
        }
        return 0;
    }

    public static async Task<int> DeleteStreamAsync(string url, string stream, CancellationToken ct)
    {
        await using var client = new NatsClient(url);
        await client.CreateJetStreamContext().DeleteStreamAsync(stream, ct);
        return 0;
    }

    private static async Task<RunResult> RunAsync(INatsJSContext js, string stream, byte[] body, int concurrency, TimeSpan duration, string phase, CancellationToken ct)
    {
        var next = -1L;
        var latencies = new List<long>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            while (clock.Elapsed < duration && !ct.IsCancellationRequested)
            {
                var id = $"{phase}-{Interlocked.Increment(ref next)}";
                var started = Stopwatch.GetTimestamp();
                var ack = await js.PublishAsync($"bench.{stream}.{id}", body, opts: new NatsJSPubOpts { MsgId = id }, cancellationToken: ct);
                ack.EnsureSuccess();
                mine.Add(Stopwatch.GetTimestamp() - started);
            }
        }));
        return new RunResult(clock.Elapsed, latencies.SelectMany(l => l).ToArray(), 0, new int[600]);
    }
}
