using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Helix.Events;
using Helix.Testing;
using NATS.Client.ObjectStore;
using NATS.Net;

namespace Helix.Webhooks.Tests;

[Collection(NatsDependency.Name)]
public sealed class ReceiverEndpointTests(NatsFixture nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<ReceiverHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var scope = nats.CreateScope();
        return await ReceiverHost.StartAsync(nats.Client.Connection.Opts.Url, scope.StreamName, scope.SubjectPrefix, settings);
    }

    [Fact]
    public async Task ValidDelivery_Is202_OnlyOnceStored_WithRawBodyAndEnvelope()
    {
        await using var host = await StartAsync();
        const string Body = """{"type":"invoice.paid","data":{"amount":  42}}""";

        using var response = await host.SendAsync(ReceiverHost.Signed("msg_1", Body));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("accepted", answer.RootElement.GetProperty("status").GetString());

        var stored = Assert.Single(await host.ReadStreamAsync());
        Assert.Equal(Encoding.UTF8.GetBytes(Body), stored.Data); // the exact bytes the provider signed
        Assert.Equal($"{host.SubjectPrefix}.acme.invoice.paid.{EventSubjects.DeliveryToken("msg_1")}", stored.Subject);
        var envelope = WebhookEvent.FromMessage(stored.Headers, stored.Data);
        Assert.Equal("acme", envelope.Source);
        Assert.Equal("invoice.paid", envelope.EventType);
        Assert.Equal("msg_1", envelope.DeliveryId);
        Assert.Equal("acme:msg_1", stored.Headers!["Nats-Msg-Id"].ToString());
        Assert.Equal(Body.Length, envelope.BodyLength);
        Assert.StartsWith("application/json", envelope.ContentType, StringComparison.Ordinal);
        Assert.InRange(envelope.ReceivedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal("msg_1", envelope.ProviderHeaders["webhook-id"]);
        Assert.StartsWith("00-", envelope.TraceParent, StringComparison.Ordinal); // W3C trace context
    }

    [Fact]
    public async Task SameDelivery_Again_Is200_AndNotEnqueuedTwice()
    {
        await using var host = await StartAsync();
        using var first = await host.SendAsync(ReceiverHost.Signed("msg_dup", "{}"));
        using var second = await host.SendAsync(ReceiverHost.Signed("msg_dup", "{}"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("duplicate", await second.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Single(await host.ReadStreamAsync());
    }

    [Fact]
    public async Task ConcurrentCopiesOfOneDelivery_AreStoredOnce()
    {
        await using var host = await StartAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => host.SendAsync(ReceiverHost.Signed("msg_race", "{}"))));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(39, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Single(await host.ReadStreamAsync());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task RetryAfterJetStreamsDuplicateWindow_IsStillADuplicate()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Events:DuplicateWindow"] = "00:00:01" });
        using var first = await host.SendAsync(ReceiverHost.Signed("msg_late", "{}"));
        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct); // Nats-Msg-Id has been forgotten by now

        using var late = await host.SendAsync(ReceiverHost.Signed("msg_late", "{}"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Single(await host.ReadStreamAsync());
    }

    [Fact]
    public async Task BadRequests_GetTheRightStatusAndAProblemDocument_AndNothingIsStored()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Receiver:Sources:acme:MaxBodyBytes"] = "1024" });

        using var unknown = await host.SendAsync(ReceiverHost.Signed("a", "{}", source: "nobody"));
        await AssertProblem(unknown, HttpStatusCode.NotFound, "no webhook source");

        using var get = await host.Client.GetAsync(new Uri("/webhooks/acme", UriKind.Relative), Ct);
        await AssertProblem(get, HttpStatusCode.MethodNotAllowed, "POST");
        Assert.Equal("POST", string.Join(",", get.Content.Headers.Allow));

        var unsigned = ReceiverHost.Signed("b", "{}");
        unsigned.Headers.Remove("webhook-signature");
        using var missing = await host.SendAsync(unsigned);
        await AssertProblem(missing, HttpStatusCode.Unauthorized, "webhook-signature");

        using var forged = await host.SendAsync(ReceiverHost.Signed("c", "{}", key: RandomNumberGenerator.GetBytes(32)));
        await AssertProblem(forged, HttpStatusCode.Unauthorized, "does not match");

        using var stale = await host.SendAsync(ReceiverHost.Signed("d", "{}", at: DateTimeOffset.UtcNow.AddMinutes(-10)));
        await AssertProblem(stale, HttpStatusCode.Unauthorized, "tolerance is 300 s");

        using var future = await host.SendAsync(ReceiverHost.Signed("e", "{}", at: DateTimeOffset.UtcNow.AddMinutes(10)));
        await AssertProblem(future, HttpStatusCode.Unauthorized, "tolerance is 300 s");

        using var large = await host.SendAsync(ReceiverHost.Signed("f", new string('x', 2000)));
        await AssertProblem(large, HttpStatusCode.RequestEntityTooLarge, "1024 bytes");

        using var wrongType = await host.SendAsync(ReceiverHost.Signed("g", "{}", contentType: "text/plain"));
        await AssertProblem(wrongType, HttpStatusCode.UnsupportedMediaType, "application/json");

        Assert.Empty(await host.ReadStreamAsync());
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_Is413_WithoutReadingItAll()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Receiver:Sources:acme:MaxBodyBytes"] = "1024" });
        var sent = 0L;
        var request = ReceiverHost.Signed("h", "{}");
        request.Content = new PushStreamContent(async stream =>
        {
            var chunk = new byte[4096];
            for (var i = 0; i < 4096; i++) // 16 MiB if nobody stops it
            {
                await stream.WriteAsync(chunk, Ct);
                Interlocked.Add(ref sent, chunk.Length);
            }
        }, "application/json");

        HttpResponseMessage? response = null;
        try
        {
            response = await host.Client.SendAsync(request, Ct);
            await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "1024 bytes");
        }
        catch (HttpRequestException)
        {
            // The server may close the connection while the client is still writing: also a refusal.
        }
        finally
        {
            response?.Dispose();
            request.Dispose();
        }
        Assert.True(Interlocked.Read(ref sent) < 16L << 20, "the whole oversized body was read");
        Assert.Empty(await host.ReadStreamAsync());
    }

    [Fact]
    public async Task StalledUpload_TimesOutWith408_AndIsNotStored()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Receiver:BodyReadTimeout"] = "00:00:01" });
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, host.Client.BaseAddress!.Port, Ct);
        var stream = client.GetStream();
        // Announces 4000 bytes, sends 20, then goes quiet without hanging up.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /webhooks/acme HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"type\":\"slow\",\"x\":\""), Ct);

        var buffer = new byte[4096];
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(15));
        var read = await stream.ReadAsync(buffer, wait.Token);
        var answer = Encoding.ASCII.GetString(buffer, 0, read);

        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.Contains("did not arrive in time", answer, StringComparison.Ordinal);
        Assert.Empty(await host.ReadStreamAsync());
    }

    [Fact]
    public async Task TooManyDeliveriesForASource_Are429_WithRetryAfter()
    {
        await using var host = await StartAsync(new Dictionary<string, string?>
        {
            ["Receiver:Sources:acme:RateLimit:PermitsPerSecond"] = "1",
            ["Receiver:Sources:acme:RateLimit:Burst"] = "2",
        });
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await host.SendAsync(ReceiverHost.Signed($"rl-{i}", "{}"));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task LargeBody_TravelsByReference_AndIsStoredWhole()
    {
        await using var host = await StartAsync(new Dictionary<string, string?>
        {
            ["Events:InlineBodyLimit"] = "1024",
            ["Receiver:Sources:acme:MaxBodyBytes"] = "4000000",
        });
        var body = "{\"type\":\"big\",\"blob\":\"" + new string('z', 3_000_000) + "\"}";

        using var response = await host.SendAsync(ReceiverHost.Signed("msg_big", body));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = Assert.Single(await host.ReadStreamAsync());
        var envelope = WebhookEvent.FromMessage(stored.Headers, stored.Data ?? []);
        Assert.True(envelope.Body.IsEmpty);
        Assert.Equal(body.Length, envelope.BodyLength);
        Assert.NotNull(envelope.BodyReference);

        await using var client = new NatsClient(host.NatsUrl);
        var store = await new NatsObjContext(client.CreateJetStreamContext()).GetObjectStoreAsync(host.BodiesBucket, Ct);
        Assert.Equal(Encoding.UTF8.GetBytes(body), await store.GetBytesAsync(envelope.BodyReference, Ct));
    }

    [Fact]
    public async Task FullStream_Is503_WithRetryAfter_AndNothingHalfDone()
    {
        await using var host = await StartAsync(new Dictionary<string, string?>
        {
            ["Events:MaxMessages"] = "2",
            ["Receiver:RetryAfter"] = "00:00:07",
        });
        using var one = await host.SendAsync(ReceiverHost.Signed("full-1", "{}"));
        using var two = await host.SendAsync(ReceiverHost.Signed("full-2", "{}"));
        using var three = await host.SendAsync(ReceiverHost.Signed("full-3", "{}"));

        Assert.Equal(HttpStatusCode.Accepted, one.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, two.StatusCode);
        await AssertProblem(three, HttpStatusCode.ServiceUnavailable, "could not be confirmed as stored"); // not "nothing was stored": a timed-out publish may still land
        Assert.Equal(TimeSpan.FromSeconds(7), three.Headers.RetryAfter?.Delta);
        Assert.Equal(2, (await host.ReadStreamAsync()).Count);
    }

    [Fact]
    public async Task DeletedStream_Is503_ThenProvisionedAgain_WithoutARestart()
    {
        await using var host = await StartAsync();
        using (var before = await host.SendAsync(ReceiverHost.Signed("lost-1", "{}")))
        {
            Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);
        }

        await nats.Client.CreateJetStreamContext().DeleteStreamAsync(host.StreamName, Ct);
        using (var during = await host.SendAsync(ReceiverHost.Signed("lost-2", "{}")))
        {
            await AssertProblem(during, HttpStatusCode.ServiceUnavailable, "could not be confirmed as stored");
        }

        await host.WaitUntilReadyAsync();
        using var after = await host.SendAsync(ReceiverHost.Signed("lost-2", "{}"));
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
        Assert.Equal("lost-2", Assert.Single(await host.ReadStreamAsync()).Headers![EventHeaders.DeliveryId].ToString());
    }

    [Fact]
    public async Task Slack_UrlVerification_EchoesTheChallenge_WithoutEnqueueing()
    {
        const string SlackSecret = "8f742231b10e8888abcd99yyyzzz85a5";
        var secretFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(secretFile, SlackSecret, Ct);
        try
        {
            await using var host = await StartAsync(new Dictionary<string, string?>
            {
                ["Receiver:Sources:slack:Scheme"] = "Slack",
                ["Receiver:Sources:slack:Secrets:0"] = "file:" + secretFile,
            });

            using var challenge = await host.SendAsync(SlackRequest(SlackSecret, """{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"""));
            Assert.Equal(HttpStatusCode.OK, challenge.StatusCode);
            using (var answer = JsonDocument.Parse(await challenge.Content.ReadAsStringAsync(Ct)))
            {
                Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", answer.RootElement.GetProperty("challenge").GetString());
            }
            Assert.Empty(await host.ReadStreamAsync());

            using var callback = await host.SendAsync(SlackRequest(SlackSecret, """{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention"}}"""));
            Assert.Equal(HttpStatusCode.Accepted, callback.StatusCode);
            var stored = Assert.Single(await host.ReadStreamAsync());
            Assert.Equal("Ev08MFMKH6", stored.Headers![EventHeaders.DeliveryId].ToString());
        }
        finally
        {
            File.Delete(secretFile);
        }

        static HttpRequestMessage SlackRequest(string secret, string body)
        {
            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}")));
            var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/slack") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
            request.Headers.Add("X-Slack-Signature", "v0=" + signature);
            return request;
        }
    }

    [Fact]
    public async Task SecretsNeverAppearInResponsesOrLogs()
    {
        await using var host = await StartAsync();
        var secretText = Convert.ToBase64String(ReceiverHost.Key);
        var responses = new List<string>();
        foreach (var request in new[]
        {
            ReceiverHost.Signed("s1", "{}"),
            ReceiverHost.Signed("s2", "{}", key: RandomNumberGenerator.GetBytes(32)),
            ReceiverHost.Signed("s3", "{}", at: DateTimeOffset.UnixEpoch),
        })
        {
            using var response = await host.SendAsync(request);
            responses.Add(await response.Content.ReadAsStringAsync(Ct));
        }

        Assert.All(responses, r => Assert.DoesNotContain(secretText, r, StringComparison.Ordinal));
        Assert.NotEmpty(host.Logs.Lines);
        Assert.All(host.Logs.Lines, l => Assert.DoesNotContain(secretText, l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_CountDeliveriesBySourceAndOutcome()
    {
        await using var host = await StartAsync();
        (await host.SendAsync(ReceiverHost.Signed("m1", "{}"))).Dispose();
        (await host.SendAsync(ReceiverHost.Signed("m1", "{}"))).Dispose();
        (await host.SendAsync(ReceiverHost.Signed("m2", "{}", key: RandomNumberGenerator.GetBytes(32)))).Dispose();

        var metrics = await host.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative), Ct);
        Assert.Matches("helix_webhooks_requests_total\\{[^}]*outcome=\"accepted\"[^}]*source=\"acme\"[^}]*\\} 1", metrics);
        Assert.Matches("helix_webhooks_requests_total\\{[^}]*outcome=\"duplicate\"[^}]*source=\"acme\"[^}]*\\} 1", metrics);
        Assert.Matches("helix_webhooks_requests_total\\{[^}]*outcome=\"bad_signature\"[^}]*source=\"acme\"[^}]*\\} 1", metrics);
        Assert.Contains("helix_webhooks_enqueue_duration_seconds_bucket", metrics, StringComparison.Ordinal);
    }

    internal static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>Request content written by a callback as the request is sent (a chunked upload).</summary>
internal sealed class PushStreamContent(Func<Stream, Task> write, string mediaType) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => write(stream);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        Headers.ContentType ??= new MediaTypeHeaderValue(mediaType);
        return false;
    }
}
