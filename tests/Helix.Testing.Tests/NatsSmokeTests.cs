using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Helix.Testing.Tests;

[Collection(NatsDependency.Name)]
public sealed class NatsSmokeTests(NatsFixture nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task JetStream_PublishesConsumesAndDetectsDuplicateMsgId()
    {
        await using var scope = nats.CreateScope();
        var subject = $"{scope.SubjectPrefix}.events";
        await scope.JetStream.CreateStreamAsync(new StreamConfig(scope.StreamName, [$"{scope.SubjectPrefix}.>"])
        {
            Storage = StreamConfigStorage.File,
            DuplicateWindow = TimeSpan.FromMinutes(2),
        }, Ct);

        var first = await scope.JetStream.PublishAsync(subject, "payload"u8.ToArray(), opts: new NatsJSPubOpts { MsgId = "delivery-1" }, cancellationToken: Ct);
        first.EnsureSuccess();
        Assert.False(first.Duplicate);

        var again = await scope.JetStream.PublishAsync(subject, "payload"u8.ToArray(), opts: new NatsJSPubOpts { MsgId = "delivery-1" }, cancellationToken: Ct);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Seq, again.Seq);

        var consumer = await scope.JetStream.CreateOrUpdateConsumerAsync(scope.StreamName, new ConsumerConfig("reader") { AckPolicy = ConsumerConfigAckPolicy.Explicit }, Ct);
        var received = new List<string>();
        await foreach (var message in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 10 }, cancellationToken: Ct))
        {
            received.Add(System.Text.Encoding.UTF8.GetString(message.Data!));
            Assert.Equal("delivery-1", message.Headers?["Nats-Msg-Id"].ToString());
            await message.AckAsync(cancellationToken: Ct);
        }
        Assert.Equal(["payload"], received);
    }
}
