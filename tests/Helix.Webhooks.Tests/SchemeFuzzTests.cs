using System.Security.Cryptography;
using System.Text;
using Helix.Webhooks.Configuration;
using Helix.Webhooks.Schemes;
using Microsoft.AspNetCore.Http;

namespace Helix.Webhooks.Tests;

/// <summary>Random and mangled input never throws and never verifies without the key.</summary>
public sealed class SchemeFuzzTests
{
    private static readonly IWebhookScheme[] Schemes =
    [
        new StandardWebhooksScheme(), new GitHubScheme(), new StripeScheme(), new SlackScheme(), new ShopifyScheme(),
        new GenericHmacScheme(new GenericSchemeOptions { SignatureHeader = "X-Signature", TimestampHeader = "X-Timestamp", Encoding = SignatureEncoding.Base64 }),
    ];

    private static readonly string[] HeaderNames =
    [
        "webhook-id", "webhook-timestamp", "webhook-signature", "X-Hub-Signature-256", "Stripe-Signature",
        "X-Slack-Signature", "X-Slack-Request-Timestamp", "X-Shopify-Hmac-Sha256", "X-Signature", "X-Timestamp",
        "X-GitHub-Delivery", "X-GitHub-Event", "X-Shopify-Webhook-Id", "X-Shopify-Topic",
    ];

    private static readonly string[] Fragments =
    [
        "", " ", ",", "=", "v1,", "v1=", "v0=", "t=", "sha256=", "whsec_", "1700000000", "-1", "99999999999999999999",
        "AAAA", "====", "\u0000", "ü", "\r\n", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", new string('a', 64), new string('0', 64), "{", "}",
    ];

    [Fact]
    public void RandomHeadersAndBodies_NeverThrow_NeverVerify()
    {
        var random = new Random(20261125);
        var key = RandomNumberGenerator.GetBytes(32);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        for (var i = 0; i < 20_000; i++)
        {
            var headers = new HeaderDictionary();
            foreach (var name in HeaderNames)
            {
                if (random.Next(2) == 0)
                {
                    headers[name] = string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => Fragments[random.Next(Fragments.Length)]));
                }
            }
            var body = new byte[random.Next(0, 300)];
            random.NextBytes(body);
            if (random.Next(3) == 0)
            {
                body = Encoding.UTF8.GetBytes("{\"id\":\"" + Convert.ToBase64String(body) + "\",\"type\":{\"x\":[1,2,{");
            }

            foreach (var scheme in Schemes)
            {
                var result = scheme.Verify(headers, body, [key], now, TimeSpan.FromMinutes(5));
                Assert.NotEqual(VerificationStatus.Valid, result.Status);
                Assert.False(string.IsNullOrWhiteSpace(result.Reason));
                _ = scheme.Describe(headers, body);
            }
        }
    }

    [Fact]
    public void ASignatureFromAnotherKey_NeverVerifies()
    {
        var random = new Random(7);
        var scheme = new GitHubScheme();
        var key = RandomNumberGenerator.GetBytes(32);
        for (var i = 0; i < 2_000; i++)
        {
            var body = new byte[random.Next(0, 2048)];
            random.NextBytes(body);
            var forged = HMACSHA256.HashData(RandomNumberGenerator.GetBytes(32), body);
            var genuine = HMACSHA256.HashData(key, body);
            Assert.Equal(VerificationStatus.Invalid, scheme.Verify(Header("sha256=" + Convert.ToHexStringLower(forged)), body, [key], DateTimeOffset.UnixEpoch, TimeSpan.Zero).Status);
            Assert.Equal(VerificationStatus.Valid, scheme.Verify(Header("sha256=" + Convert.ToHexString(genuine)), body, [key], DateTimeOffset.UnixEpoch, TimeSpan.Zero).Status);
        }

        static HeaderDictionary Header(string value) => new() { ["X-Hub-Signature-256"] = value };
    }
}
