using System.Net;
using System.Text;
using Helix.Events;
using Helix.Testing;
using NATS.Net;

namespace Helix.Webhooks.Tests;

/// <summary>
/// Correctly signed deliveries a provider can really send, with ids and types that are hard to
/// carry: each is stored exactly as sent, or refused for good with a reason; never a 500, never a
/// 503 that a retry cannot cure, never two ids in one.
/// </summary>
[Collection(NatsDependency.Name)]
public sealed class HostileDeliveryTests(NatsFixture nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<ReceiverHost> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var scope = nats.CreateScope();
        return await ReceiverHost.StartAsync(nats.Client.Connection.Opts.Url, scope.StreamName, scope.SubjectPrefix, SignedDeliveries.EverySchemeSettings(extra));
    }

    [Theory]
    [InlineData("""{"id":"evt_s1","type":"user.created\ud800"}""", "\"type\"")]
    [InlineData("""{"id":"evt_\udc00x","type":"invoice.paid"}""", "\"id\"")]
    [InlineData("""{"id":"evt_\ud83d","type":"invoice.paid"}""", "\"id\"")]
    public async Task AnUnpairedSurrogateEscape_InASignedIdOrType_Is422WithAReason(string body, string field)
    {
        await using var host = await StartAsync();

        using var response = await host.SendAsync(SignedDeliveries.Stripe(Encoding.UTF8.GetBytes(body)));

        await ReceiverEndpointTests.AssertProblem(response, HttpStatusCode.UnprocessableEntity, field);
        await ReceiverEndpointTests.AssertProblem(response, HttpStatusCode.UnprocessableEntity, "not Unicode text");
        Assert.Empty(await host.ReadStreamAsync());
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // a surrogate written as UTF-8
    public async Task InvalidUtf8_InASignedId_Is422WithAReason(byte[] invalid)
    {
        await using var host = await StartAsync();
        byte[] body = [.. "{\"id\":\"evt_"u8, .. invalid, .. "\",\"type\":\"a\"}"u8];

        using var response = await host.SendAsync(SignedDeliveries.Slack([.. "{\"event_id\":\"Ev_"u8, .. invalid, .. "\",\"type\":\"a\"}"u8]));
        using var stripe = await host.SendAsync(SignedDeliveries.Stripe(body));

        await ReceiverEndpointTests.AssertProblem(response, HttpStatusCode.UnprocessableEntity, "\"event_id\"");
        await ReceiverEndpointTests.AssertProblem(stripe, HttpStatusCode.UnprocessableEntity, "\"id\"");
        Assert.Empty(await host.ReadStreamAsync());
    }

    [Fact]
    public async Task CrOrLf_InTheEventType_IsStored_AndReadBackExactly_WithoutInjectingAHeader()
    {
        await using var host = await StartAsync();
        var body = """{"id":"evt_crlf","type":"invoice.paid\r\nX-Injected: 1\n"}"""u8.ToArray();

        using var response = await host.SendAsync(SignedDeliveries.Stripe(body));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = Assert.Single(await host.ReadStreamAsync());
        var envelope = WebhookEvent.FromMessage(stored.Headers, stored.Data);
        Assert.Equal("invoice.paid\r\nX-Injected: 1\n", envelope.EventType);
        Assert.Equal("evt_crlf", envelope.DeliveryId);
        Assert.Equal(body, stored.Data);
        Assert.DoesNotContain(stored.Headers!, header => header.Key.Contains("Injected", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task IdsThatDifferOnlyInANonAsciiCharacter_AreTwoEvents_EachStoredExactly()
    {
        await using var host = await StartAsync();

        using var first = await host.SendAsync(SignedDeliveries.Stripe(Encoding.UTF8.GetBytes("""{"id":"evt_1_é","type":"charge.succeeded"}""")));
        using var second = await host.SendAsync(SignedDeliveries.Stripe(Encoding.UTF8.GetBytes("""{"id":"evt_1_\u00e8","type":"charge.succeeded"}""")));
        using var again = await host.SendAsync(SignedDeliveries.Stripe(Encoding.UTF8.GetBytes("""{"id":"evt_1_\u00e9","type":"charge.succeeded"}""")));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode); // é written raw or escaped is one id
        var ids = (await host.ReadStreamAsync()).Select(m => WebhookEvent.FromMessage(m.Headers, m.Data).DeliveryId).Order(StringComparer.Ordinal);
        Assert.Equal(["evt_1_è", "evt_1_é"], ids);
    }

    [Fact]
    public async Task TheEnvelopeCarriesNonAsciiText_AsAsciiHeaders_ThatDecodeToTheOriginal()
    {
        await using var host = await StartAsync();

        using var response = await host.SendAsync(SignedDeliveries.Stripe(Encoding.UTF8.GetBytes("""{"id":"évt 100%\u0000\ud83d\ude80","type":"ü"}""")));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = Assert.Single(await host.ReadStreamAsync());
        Assert.Equal("%C3%A9vt%20100%25%00%F0%9F%9A%80", stored.Headers![EventHeaders.DeliveryId].ToString());
        Assert.Equal("stripe:%C3%A9vt%20100%25%00%F0%9F%9A%80", stored.Headers[EventHeaders.MsgId].ToString());
        Assert.Equal("évt 100%\0🚀", WebhookEvent.FromMessage(stored.Headers, stored.Data).DeliveryId);
    }

    [Fact]
    public async Task AnIdOrTypeTooLongToCarry_Is422_NamingTheLimit()
    {
        await using var host = await StartAsync();

        using var id = await host.SendAsync(SignedDeliveries.Stripe(Encoding.UTF8.GetBytes($$"""{"id":"{{new string('x', 1025)}}","type":"a"}""")));
        using var type = await host.SendAsync(SignedDeliveries.GitHub("d-long", new string('t', 257), "{}"u8.ToArray()));

        await ReceiverEndpointTests.AssertProblem(id, HttpStatusCode.UnprocessableEntity, "at most 1024");
        await ReceiverEndpointTests.AssertProblem(type, HttpStatusCode.UnprocessableEntity, "at most 256");
        Assert.Empty(await host.ReadStreamAsync());
    }

    [Fact]
    public async Task GitHubBodyReplayedUnderANewDeliveryId_IsRefused_WithinTheReplayWindow()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Receiver:Sources:github:ReplayWindow"] = "00:10:00" });
        var body = """{"ref":"refs/heads/main","after":"6113728f27ae82c7b1a177c8d03f9e96e0adf246"}"""u8.ToArray();

        using var first = await host.SendAsync(SignedDeliveries.GitHub("72d3162e-0001", "push", body));
        using var retry = await host.SendAsync(SignedDeliveries.GitHub("72d3162e-0001", "push", body));
        using var replay = await host.SendAsync(SignedDeliveries.GitHub("72d3162e-0002", "push", body));
        using var other = await host.SendAsync(SignedDeliveries.GitHub("72d3162e-0003", "push", [.. body, (byte)' ']));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode); // GitHub's redelivery keeps the delivery id
        await ReceiverEndpointTests.AssertProblem(replay, HttpStatusCode.Conflict, "replay window");
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        Assert.Equal(2, (await host.ReadStreamAsync()).Count);
    }

    [Fact]
    public async Task TheReplayWindow_Ends_AndWithoutAGuardTheSameBodyIsANewDelivery()
    {
        await using var host = await StartAsync(new Dictionary<string, string?> { ["Receiver:Sources:shopify:ReplayWindow"] = "00:00:01" });
        var body = """{"id":820982911946154508,"email":"jon@example.com"}"""u8.ToArray();

        using var first = await host.SendAsync(SignedDeliveries.Shopify("b54557e4-1", "orders/create", body));
        using var replay = await host.SendAsync(SignedDeliveries.Shopify("b54557e4-2", "orders/create", body));
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        using var later = await host.SendAsync(SignedDeliveries.Shopify("b54557e4-3", "orders/create", body));
        using var unguarded1 = await host.SendAsync(SignedDeliveries.GitHub("g-1", "push", body));
        using var unguarded2 = await host.SendAsync(SignedDeliveries.GitHub("g-2", "push", body));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unguarded1.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unguarded2.StatusCode);
    }

    [Fact]
    public async Task AStreamThatRefusesTheEventsSize_Is413AndLogged_NotA503ThatNoRetryCures()
    {
        await using var host = await StartAsync();
        var js = nats.Client.CreateJetStreamContext();
        var stream = await js.GetStreamAsync(host.StreamName, cancellationToken: Ct);
        await js.UpdateStreamAsync(stream.Info.Config with { MaxMsgSize = 512 }, Ct); // an operator's hand edit

        using var response = await host.SendAsync(SignedDeliveries.Stripe(Encoding.UTF8.GetBytes($$"""{"id":"evt_big","type":"a","pad":"{{new string('p', 2048)}}"}""")));

        await ReceiverEndpointTests.AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "larger than the events stream accepts");
        Assert.Null(response.Headers.RetryAfter);
        Assert.Contains(host.Logs.Lines, line => line.Contains("refused an event for stripe", StringComparison.Ordinal));
    }
}
