using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Helix.Events;
using Helix.Testing;
using NATS.Client.JetStream;
using NATS.Net;

namespace Helix.Webhooks.Tests;

/// <summary>Failures of the receiver and of the broker, against the real nats-server.</summary>
[Collection(NatsDependency.Name)]
public sealed class ReliabilityTests(NatsFixture nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReceiverKilledMidLoad_EveryAcknowledgedDeliveryIsStoredExactlyOnce()
    {
        const int Deliveries = 3000;
        var scope = nats.CreateScope();
        var secrets = Directory.CreateTempSubdirectory("helix-secrets-");
        var secretFile = Path.Combine(secrets.FullName, "acme");
        await File.WriteAllTextAsync(secretFile, ReceiverHost.Secret, Ct);
        var natsUrl = nats.Client.Connection.Opts.Url;
        await using var receiver = new ServiceProcess("Helix.Webhooks.dll", new Dictionary<string, string>
        {
            ["Nats__Url"] = natsUrl,
            ["Events__StreamName"] = scope.StreamName,
            ["Events__SubjectPrefix"] = scope.SubjectPrefix,
            ["Events__BodiesBucket"] = scope.StreamName + "_BODIES",
            ["Events__MaxBytes"] = "268435456",
            ["Receiver__Sources__acme__Scheme"] = "StandardWebhooks",
            ["Receiver__Sources__acme__Secrets__0"] = "file:" + secretFile,
        });
        await receiver.StartAsync();

        var acknowledged = new ConcurrentDictionary<int, HttpStatusCode>();
        var next = -1;
        var killed = 0;
        using var http = new HttpClient { BaseAddress = receiver.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var restart = Task.CompletedTask;

        // Providers retry until they get a 2xx; so does this client, with the same delivery each time.
        async Task Worker()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < Deliveries)
            {
                var body = $"{{\"type\":\"load\",\"n\":{index}}}";
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        using var response = await http.SendAsync(ReceiverHost.Signed($"kill-{index}", body), Ct);
                        if ((int)response.StatusCode is >= 200 and < 300)
                        {
                            acknowledged[index] = response.StatusCode;
                            break;
                        }
                    }
                    catch (HttpRequestException)
                    {
                    }
                    catch (TaskCanceledException) when (!Ct.IsCancellationRequested)
                    {
                    }
                    Assert.True(attempt < 400, $"delivery {index} was never acknowledged");
                    await Task.Delay(50, Ct);
                }

                if (acknowledged.Count >= Deliveries / 3 && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    await receiver.KillAsync();
                    restart = receiver.StartAsync();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Worker()));
        await restart;

        Assert.Equal(1, killed);
        Assert.Equal(Deliveries, acknowledged.Count);
        await using var client = new NatsClient(natsUrl);
        var stored = await ReadDeliveryIdsAsync(client.CreateJetStreamContext(), scope.StreamName, Deliveries);
        Assert.Equal(Deliveries, stored.Count);
        Assert.Equal(Deliveries, stored.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, Deliveries).Select(i => $"kill-{i}").Order(), stored.Order());

        await scope.DisposeAsync();
        secrets.Delete(recursive: true);
    }

    [Fact]
    public async Task BrokerStoppedMidLoad_Is503_NeverA2xxUnstored_AndIngestResumesByItself()
    {
        await using var server = await DedicatedNatsServer.StartAsync();
        var scope = nats.CreateScope();
        await using var host = await ReceiverHost.StartAsync(server.Url, scope.StreamName, scope.SubjectPrefix, new Dictionary<string, string?>
        {
            ["Receiver:PublishTimeout"] = "00:00:01",
            // This test is about the broker; the load must not meet the source's rate limit.
            ["Receiver:Sources:acme:RateLimit:PermitsPerSecond"] = "1000000",
            ["Receiver:Sources:acme:RateLimit:Burst"] = "1000000",
        });

        var accepted = new ConcurrentBag<string>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var acceptedAfterRestart = 0;
        var restarted = false;
        var counter = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        async Task Load()
        {
            while (!stop.IsCancellationRequested && Volatile.Read(ref acceptedAfterRestart) < 20)
            {
                var id = $"outage-{Interlocked.Increment(ref counter)}";
                using var response = await host.SendAsync(ReceiverHost.Signed(id, "{\"type\":\"outage\"}"));
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    accepted.Add(id);
                    if (Volatile.Read(ref restarted))
                    {
                        Interlocked.Increment(ref acceptedAfterRestart);
                    }
                }
                else
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    Assert.NotNull(response.Headers.RetryAfter);
                    await Task.Delay(20, Ct);
                }
            }
        }

        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Load()));
        await Task.Delay(500, Ct);
        await server.KillAsync();
        await Task.Delay(2000, Ct);
        Volatile.Write(ref restarted, true);
        await server.StartAgainAsync();
        await load;

        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
        Assert.True(acceptedAfterRestart >= 20, "ingest did not resume after the broker came back");

        await using var client = new NatsClient(server.Url);
        var stored = await ReadDeliveryIdsAsync(client.CreateJetStreamContext(), scope.StreamName, expectedAtLeast: accepted.Count);
        Assert.Empty(accepted.Except(stored)); // every 202 is in the stream
        Assert.Equal(stored.Count, stored.Distinct().Count()); // and nothing twice
    }

    [Fact]
    public async Task MangledRequests_NeverCrash_No5xxButBackpressure_MemoryBounded()
    {
        var scope = nats.CreateScope();
        await using var host = await ReceiverHost.StartAsync(nats.Client.Connection.Opts.Url, scope.StreamName, scope.SubjectPrefix, new Dictionary<string, string?>
        {
            ["Receiver:Sources:acme:MaxBodyBytes"] = "65536",
            ["Receiver:BodyReadTimeout"] = "00:00:02",
        });
        var random = new Random(42);
        var methods = new[] { "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD" };
        var paths = new[] { "/webhooks/acme", "/webhooks/ACME", "/webhooks/", "/webhooks/acme/x", "/webhooks/%00", "/webhooks/" + new string('a', 300) };
        var contentTypes = new[] { "application/json", "text/plain", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "", "\u00ff/\u00ff" };
        var headerNames = new[] { "webhook-id", "webhook-timestamp", "webhook-signature", "Content-Encoding", "Transfer-Encoding" };

        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var failures = new ConcurrentBag<string>();

        await Parallel.ForAsync(0, 3000, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
        {
            int seed;
            lock (random)
            {
                seed = random.Next();
            }
            var r = new Random(seed);
            if (i % 5 == 0)
            {
                await SendRawGarbageAsync(host.Client.BaseAddress!, r, ct);
                return;
            }

            var body = new byte[r.Next(0, 3) == 0 ? r.Next(60_000, 70_000) : r.Next(0, 2048)];
            r.NextBytes(body);
            var request = r.Next(4) == 0
                ? ReceiverHost.Signed($"fuzz-{i}", Encoding.UTF8.GetString(body), at: DateTimeOffset.UtcNow.AddSeconds(r.Next(-600, 600)))
                : new HttpRequestMessage(new HttpMethod(methods[r.Next(methods.Length)]), paths[r.Next(paths.Length)]) { Content = new ByteArrayContent(body) };
            foreach (var name in headerNames)
            {
                if (r.Next(3) == 0)
                {
                    request.Headers.TryAddWithoutValidation(name, Convert.ToBase64String(body.AsSpan(0, Math.Min(body.Length, r.Next(0, 80)))) + ",v1,=");
                }
            }
            if (request.Content is not null && r.Next(2) == 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentTypes[r.Next(contentTypes.Length)]);
            }
            try
            {
                using var response = await host.Client.SendAsync(request, ct);
                if ((int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    failures.Add($"{request.Method} {request.RequestUri}: {(int)response.StatusCode}");
                }
            }
            catch (HttpRequestException)
            {
                // The server may cut a request it refuses (oversized body): not a 5xx.
            }
            finally
            {
                request.Dispose();
            }
        });

        Assert.Empty(failures);
        using var health = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        GC.Collect();
        var growth = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(growth < 64L << 20, $"managed memory grew by {growth / 1024 / 1024} MiB over the fuzz run");
    }

    private static async Task SendRawGarbageAsync(Uri server, Random r, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.Port, ct);
        var stream = client.GetStream();
        var head = r.Next(3) switch
        {
            // Truncated: announces more body than it sends, then hangs up.
            0 => $"POST /webhooks/acme HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {r.Next(100, 60000)}\r\n\r\n{{\"type\":",
            // Broken chunked framing.
            1 => "POST /webhooks/acme HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nnot hex\r\n",
            _ => string.Empty,
        };
        var garbage = new byte[r.Next(0, 512)];
        r.NextBytes(garbage);
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
            await stream.WriteAsync(garbage, ct);
            client.Client.Shutdown(SocketShutdown.Send);
            var buffer = new byte[1024];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var status = Encoding.ASCII.GetString(buffer, 0, read);
            Assert.DoesNotMatch("^HTTP/1\\.1 5(?!03)", status);
        }
        catch (IOException)
        {
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }

    private static async Task<List<string>> ReadDeliveryIdsAsync(INatsJSContext js, string streamName, int expectedAtLeast)
    {
        var stream = await js.GetStreamAsync(streamName, cancellationToken: Ct);
        var count = (int)stream.Info.State.Messages;
        Assert.True(count >= expectedAtLeast, $"the stream holds {count} events, fewer than the {expectedAtLeast} acknowledged");
        var ids = new List<string>(count);
        var consumer = await js.CreateOrderedConsumerAsync(streamName, cancellationToken: Ct);
        await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: Ct))
        {
            ids.Add(message.Headers![EventHeaders.DeliveryId].ToString());
            if (ids.Count == count)
            {
                break;
            }
        }
        return ids;
    }
}
