using System.Text;
using Helix.Webhooks.Schemes;

namespace Helix.Webhooks.Tests;

public sealed class SchemeTests
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static TheoryData<SignatureVector> Vectors() => [.. SignatureVector.Load()];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_AcceptsThePublishedSignature(SignatureVector vector)
    {
        var scheme = vector.CreateScheme();
        var result = scheme.Verify(vector.HeadersWith(vector.Signature), Encoding.UTF8.GetBytes(vector.Body),
            [scheme.DecodeSecret(vector.Secret)], vector.SignedAt, Tolerance);
        Assert.Equal(Verification.Valid, result);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_RejectsOneChangedBodyByte(SignatureVector vector)
    {
        var scheme = vector.CreateScheme();
        var body = Encoding.UTF8.GetBytes(vector.Body);
        body[body.Length / 2] ^= 0x01;
        var result = scheme.Verify(vector.HeadersWith(vector.Signature), body, [scheme.DecodeSecret(vector.Secret)], vector.SignedAt, Tolerance);
        Assert.Equal(VerificationStatus.Invalid, result.Status);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_RejectsAnotherSecret_AndAcceptsDuringRotation(SignatureVector vector)
    {
        var scheme = vector.CreateScheme();
        var body = Encoding.UTF8.GetBytes(vector.Body);
        var other = scheme.DecodeSecret(vector.Scheme == "standard-webhooks" ? "whsec_" + Convert.ToBase64String(new byte[32]) : "not the secret");

        Assert.Equal(VerificationStatus.Invalid, scheme.Verify(vector.HeadersWith(vector.Signature), body, [other], vector.SignedAt, Tolerance).Status);
        // Rotation: the new secret first, the one the provider still signs with second.
        Assert.Equal(Verification.Valid, scheme.Verify(vector.HeadersWith(vector.Signature), body, [other, scheme.DecodeSecret(vector.Secret)], vector.SignedAt, Tolerance));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_ReportsAMissingSignatureHeader(SignatureVector vector)
    {
        var scheme = vector.CreateScheme();
        var result = scheme.Verify(vector.HeadersWith(null), Encoding.UTF8.GetBytes(vector.Body), [scheme.DecodeSecret(vector.Secret)], vector.SignedAt, Tolerance);
        Assert.Equal(VerificationStatus.Missing, result.Status);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_RejectsReplayedTimestamp_BothDirections(SignatureVector vector)
    {
        if (vector.Timestamp is null)
        {
            return; // GitHub and Shopify sign no timestamp: their replays are caught by delivery id.
        }
        var scheme = vector.CreateScheme();
        var body = Encoding.UTF8.GetBytes(vector.Body);
        var key = scheme.DecodeSecret(vector.Secret);

        var late = scheme.Verify(vector.HeadersWith(vector.Signature), body, [key], vector.SignedAt + Tolerance + TimeSpan.FromSeconds(1), Tolerance);
        Assert.Equal(VerificationStatus.Stale, late.Status);
        Assert.Contains("301 s", late.Reason, StringComparison.Ordinal);

        var early = scheme.Verify(vector.HeadersWith(vector.Signature), body, [key], vector.SignedAt - Tolerance - TimeSpan.FromSeconds(1), Tolerance);
        Assert.Equal(VerificationStatus.Stale, early.Status);

        var edge = scheme.Verify(vector.HeadersWith(vector.Signature), body, [key], vector.SignedAt + Tolerance, Tolerance);
        Assert.Equal(Verification.Valid, edge);
    }

    [Fact]
    public void StandardWebhooks_AcceptsUnpaddedAndPrefixlessSecrets()
    {
        var scheme = new StandardWebhooksScheme();
        var key = new byte[] { 1, 2, 3, 4, 5 };
        Assert.Equal(key, scheme.DecodeSecret("whsec_AQIDBAU"));
        Assert.Equal(key, scheme.DecodeSecret("AQIDBAU="));
        Assert.Throws<FormatException>(() => scheme.DecodeSecret("whsec_not base64!"));
    }

    [Fact]
    public void Describe_NamesDeliveryAndType_PerProvider()
    {
        var github = new GitHubScheme().Describe(new Microsoft.AspNetCore.Http.HeaderDictionary
        {
            ["X-GitHub-Delivery"] = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            ["X-GitHub-Event"] = "push",
        }, "{}"u8);
        Assert.Equal(new Delivery("72d3162e-cc78-11e3-81ab-4c9367dc0958", "push"), github);

        var stripe = new StripeScheme().Describe(new Microsoft.AspNetCore.Http.HeaderDictionary(), """{"object":"event","data":{"id":"in_1","type":"nested"},"id":"evt_1","type":"invoice.paid"}"""u8);
        Assert.Equal(new Delivery("evt_1", "invoice.paid"), stripe);

        var slack = new SlackScheme().Describe(new Microsoft.AspNetCore.Http.HeaderDictionary(), """{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention"}}"""u8);
        Assert.Equal(new Delivery("Ev08MFMKH6", "event_callback"), slack);

        var standard = new StandardWebhooksScheme().Describe(new Microsoft.AspNetCore.Http.HeaderDictionary { ["webhook-id"] = "msg_1" }, """{"type":"user.created"}"""u8);
        Assert.Equal(new Delivery("msg_1", "user.created"), standard);

        // Not JSON: no id or type from the body, and no exception.
        Assert.Equal(new Delivery(null, null), new StripeScheme().Describe(new Microsoft.AspNetCore.Http.HeaderDictionary(), "token=a&b=c"u8));
    }
}
