using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Helix.Events;
using Helix.Testing;

namespace Helix.Webhooks.Tests;

/// <summary>
/// Generated, correctly signed deliveries for every scheme, with any text in every field the scheme
/// reads (any Unicode, escapes, control characters, unpaired surrogates, invalid UTF-8), against the
/// real receiver and JetStream. Each delivery is sent twice under two ids that differ in one place
/// (or not at all). Properties: never a 5xx; a delivery is refused (422) exactly when its id or type
/// is not Unicode text; what is stored is the body byte for byte with the id and type exactly as
/// sent; two different ids are two events, the same id one.
/// </summary>
[Collection(NatsDependency.Name)]
public sealed partial class DeliveryPropertyTests(NatsFixture nats)
{
    private const int SamplesPerScheme = 200;
    private const string InvalidBytes = "(not UTF-8)";
    private static int _counter;
    private readonly ConcurrentDictionary<string, Sent> _stored = new(StringComparer.Ordinal);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A piece of a JSON string: the text it stands for and the bytes written for it.</summary>
    private sealed record Atom(string Text, byte[] Json)
    {
        public override string ToString() => Encoding.UTF8.GetString(Json);
    }

    private static readonly Gen<Atom> AnyAtom = Gen.Frequency(
        (6, Gen.Select(Gen.Char['!', '~'], Gen.Bool, (c, escape) => Piece(c.ToString(), escape))),
        (2, Gen.Select(Gen.Char['\0', '\u001f'], Gen.Bool, (c, escape) => Piece(c.ToString(), escape))),
        (1, Gen.OneOf("\"", "\\", " ", "%", "\u2028", "\u00a0", "é", "è", "e\u0301").Select(text => Piece(text, escape: false))),
        (3, Gen.Select(Gen.Int[0x80, 0xD7FF], Gen.Bool, (c, escape) => Piece(((char)c).ToString(), escape))),
        (1, Gen.Select(Gen.Int[0x10000, 0x10FFFF], Gen.Bool, (c, escape) => Piece(char.ConvertFromUtf32(c), escape))),
        // Surrogates on their own: unpaired unless a neighbour completes the pair.
        (1, Gen.Int[0xD800, 0xDFFF].Select(c => Piece(((char)c).ToString(), escape: true))),
        // Bytes that are not UTF-8 at all: a stray continuation, a truncated sequence, a surrogate or overlong form.
        (1, Gen.OneOf<byte[]>([0xFF], [0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF]).Select(bytes => new Atom(InvalidBytes, bytes))));

    private static readonly Gen<Atom[]> JsonText = AnyAtom.Array[0, 24];

    // Header values reach the receiver only as visible ASCII and spaces (HTTP's own rules).
    private static readonly Gen<string> HeaderText = Gen.Char[' ', '~'].Array[0, 24].Select(chars => new string(chars));

    /// <summary>One signed delivery and what the receiver must make of it.</summary>
    /// <param name="Request">The signed request.</param>
    /// <param name="Body">The bytes signed.</param>
    /// <param name="Id">The delivery id as the receiver reads it.</param>
    /// <param name="Type">The event type as stored.</param>
    /// <param name="Carried">False when the id or type is not Unicode text: a 422.</param>
    private sealed record Sent(HttpRequestMessage Request, byte[] Body, string Id, string Type, bool Carried);

    [Fact]
    public Task Stripe_IdAndTypeFromTheBody() =>
        BodySchemeAsync("stripe", (id, type) => Json(("id", id), ("type", type)), SignedDeliveries.Stripe);

    [Fact]
    public Task Slack_EventIdAndTypeFromTheBody() =>
        BodySchemeAsync("slack", (id, type) => Json(("type", type), ("event_id", id)), SignedDeliveries.Slack);

    [Fact]
    public async Task StandardWebhooks_IdFromASignedHeader_TypeFromTheBody()
    {
        await using var host = await StartAsync();
        await Gen.Select(HeaderText, HeaderText, JsonText).SampleAsync(async (id, variant, typeAtoms) =>
        {
            var prefix = Prefix();
            var type = Text(typeAtoms);
            var body = Json(("type", typeAtoms), ("data", [Piece(prefix, escape: false)]));
            // Signed as the receiver reads the header: without the spaces HTTP trims.
            Sent Delivery(string sent) => new(SignedDeliveries.Standard(sent.Trim(), body), body, sent.Trim(), Stored(type.Text, fromHeader: false), type.Unicode);
            await CheckPairAsync(host, ReceiverHost.SourceName, Delivery(prefix + id), Delivery(prefix + variant));
        }, iter: SamplesPerScheme);
        await AssertStoredExactlyAsync(host, ReceiverHost.SourceName);
    }

    [Theory]
    [InlineData("github")]
    [InlineData("shopify")]
    [InlineData("generic")]
    public async Task IdAndTypeFromUnsignedHeaders(string source)
    {
        await using var host = await StartAsync();
        await Gen.Select(HeaderText, HeaderText, HeaderText).SampleAsync(async (id, variant, type) =>
        {
            var prefix = Prefix();
            var body = Encoding.UTF8.GetBytes($$"""{"n":"{{prefix}}"}""");
            Sent Delivery(string sent)
            {
                var request = source switch
                {
                    "github" => SignedDeliveries.GitHub(sent, type, body),
                    "shopify" => SignedDeliveries.Shopify(sent, type, body),
                    _ => SignedDeliveries.Generic(sent, type, body),
                };
                return new Sent(request, body, sent.Trim(), Stored(type, fromHeader: true), Carried: true);
            }
            await CheckPairAsync(host, source, Delivery(prefix + id), Delivery(prefix + variant));
        }, iter: SamplesPerScheme);
        await AssertStoredExactlyAsync(host, source);
    }

    private async Task BodySchemeAsync(string source, Func<Atom[], Atom[], byte[]> json, Func<byte[], HttpRequestMessage> sign)
    {
        await using var host = await StartAsync();
        await Gen.Select(JsonText, AnyAtom, Gen.Int[0, 24], JsonText).SampleAsync(async (id, replacement, at, typeAtoms) =>
        {
            Atom[] prefix = [Piece(Prefix(), escape: false)];
            // The variant differs from the id in one atom (which may stand for the same text).
            Atom[] variant = [.. id];
            if (variant.Length > 0)
            {
                variant[at % variant.Length] = replacement;
            }
            var type = Text(typeAtoms);
            Sent Delivery(Atom[] idAtoms)
            {
                var body = json(idAtoms, typeAtoms);
                var text = Text(idAtoms);
                return new Sent(sign(body), body, text.Text, Stored(type.Text, fromHeader: false), text.Unicode && type.Unicode);
            }
            await CheckPairAsync(host, source, Delivery([.. prefix, .. id]), Delivery([.. prefix, .. variant]));
        }, iter: SamplesPerScheme);
        await AssertStoredExactlyAsync(host, source);
    }

    private async Task CheckPairAsync(ReceiverHost host, string source, Sent first, Sent second)
    {
        var firstStored = await SendAsync(host, source, first, duplicate: false);
        await SendAsync(host, source, second, duplicate: firstStored && first.Id == second.Id);
    }

    private async Task<bool> SendAsync(ReceiverHost host, string source, Sent sent, bool duplicate)
    {
        using var response = await host.SendAsync(sent.Request);
        var answer = await response.Content.ReadAsStringAsync(Ct);
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {answer}");
        if (!sent.Carried)
        {
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}: {answer}");
            Assert.Contains("not Unicode text", answer, StringComparison.Ordinal);
            return false;
        }
        Assert.True(response.StatusCode == (duplicate ? HttpStatusCode.OK : HttpStatusCode.Accepted), $"{(int)response.StatusCode}: {answer}");

        if (!duplicate)
        {
            var subject = EventSubjects.For(EventSubjects.Source(new EventStreamOptions { SubjectPrefix = host.SubjectPrefix }, source), sent.Type, sent.Id);
            Assert.True(_stored.TryAdd(subject, sent with { Request = null! }), "two deliveries on one subject: " + subject);
        }
        return true;
    }

    /// <summary>The stream holds exactly the deliveries answered 202: body byte for byte, id and type exactly as sent.</summary>
    private async Task AssertStoredExactlyAsync(ReceiverHost host, string source)
    {
        var messages = await host.ReadStreamAsync();
        Assert.Equal(_stored.Count, messages.Count);
        foreach (var message in messages)
        {
            Assert.True(_stored.TryGetValue(message.Subject, out var sent), "not answered 202, yet stored: " + message.Subject);
            var envelope = WebhookEvent.FromMessage(message.Headers, message.Data);
            Assert.Equal(source, envelope.Source);
            Assert.Equal(sent.Id, envelope.DeliveryId);
            Assert.Equal(sent.Type, envelope.EventType);
            Assert.Equal(sent.Body, message.Data);
        }
    }

    // The receiver trims header values and names a blank type "unknown".
    private static string Stored(string type, bool fromHeader) =>
        string.IsNullOrWhiteSpace(type) ? "unknown" : fromHeader ? type.Trim() : type;

    private async Task<ReceiverHost> StartAsync()
    {
        var scope = nats.CreateScope();
        return await ReceiverHost.StartAsync(nats.Client.Connection.Opts.Url, scope.StreamName, scope.SubjectPrefix, SignedDeliveries.EverySchemeSettings());
    }

    private static string Prefix() => "p" + Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture) + "_";

    private static Atom Piece(string text, bool escape)
    {
        if (escape || text is "\"" or "\\" || text.Any(c => c < 0x20))
        {
            var escaped = new StringBuilder();
            foreach (var c in text)
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            return new Atom(text, Encoding.ASCII.GetBytes(escaped.ToString()));
        }
        return new Atom(text, Encoding.UTF8.GetBytes(text));
    }

    private static byte[] Json(params (string Name, Atom[] Value)[] properties)
    {
        var json = new List<byte>();
        json.Add((byte)'{');
        foreach (var (name, value) in properties)
        {
            if (json.Count > 1)
            {
                json.Add((byte)',');
            }
            json.AddRange(Encoding.UTF8.GetBytes($"\"{name}\":\""));
            foreach (var atom in value)
            {
                json.AddRange(atom.Json);
            }
            json.Add((byte)'"');
        }
        json.Add((byte)'}');
        return [.. json];
    }

    /// <summary>
    /// The text a JSON string stands for, and whether it is Unicode text. Decided on the bytes as
    /// written, not per atom: bytes that are invalid alone may complete each other (C3 then 80 is "À").
    /// </summary>
    private static (string Text, bool Unicode) Text(Atom[] atoms)
    {
        byte[] bytes = [.. atoms.SelectMany(atom => atom.Json)];
        string written;
        try
        {
            written = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return (InvalidBytes, false);
        }
        // Every escape written here is \uXXXX (quotes and backslashes included).
        var text = Escape().Replace(written, m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());
        return (text, !HasUnpairedSurrogate(text));
    }

    // An oracle apart from the receiver's: .NET's strict UTF-8 encoder refuses exactly the unpaired surrogates.
    private static bool HasUnpairedSurrogate(string text)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(text);
            return false;
        }
        catch (EncoderFallbackException)
        {
            return true;
        }
    }

    [GeneratedRegex(@"\\u([0-9a-f]{4})")]
    private static partial Regex Escape();
}
