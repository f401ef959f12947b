using System.Text.Json.Nodes;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Spec;

namespace Helix.Platform.Infra;

/// <summary>
/// Workload identity: the cluster's service-account issuer published in a bucket of its own, the IAM
/// OIDC provider that trusts it, and one role per service account that acts on AWS, each with only
/// the actions its component declares, on only the resources they name.
/// </summary>
internal static partial class TerraformRenderer
{
    /// <summary>The bucket serving the issuer's discovery documents: public, but for those two keys only.</summary>
    private const string IssuerBucketId = "oidc";

    private static JsonObject Identity(PlatformModel model)
    {
        var spec = model.Spec;
        var issuer = WorkloadIdentity.Issuer(spec)["https://".Length..];
        var roles = new JsonObject();
        var policies = new JsonObject();
        var documents = new JsonObject
        {
            ["oidc_public"] = new JsonObject
            {
                ["statement"] = new JsonArray(new JsonObject
                {
                    ["sid"] = "DiscoveryDocuments",
                    ["actions"] = new JsonArray("s3:GetObject"),
                    ["principals"] = new JsonArray(new JsonObject { ["type"] = "*", ["identifiers"] = new JsonArray("*") }),
                    ["resources"] = new JsonArray(
                        $"${{aws_s3_bucket.{IssuerBucketId}.arn}}/{WorkloadIdentity.DiscoveryKey}",
                        $"${{aws_s3_bucket.{IssuerBucketId}.arn}}/{WorkloadIdentity.JwksKey}"),
                }),
            },
        };
        foreach (var identity in Identities(model))
        {
            var id = RoleId(identity);
            roles[id] = new JsonObject
            {
                ["name"] = identity.RoleName(spec),
                ["description"] = $"{identity.Subject}: {identity.Why}",
                ["assume_role_policy"] = $"${{data.aws_iam_policy_document.{id}_assume.json}}",
                ["max_session_duration"] = 3600,
                ["tags"] = Tags(spec),
            };
            policies[id] = new JsonObject { ["name"] = id, ["role"] = $"${{aws_iam_role.{id}.id}}", ["policy"] = $"${{data.aws_iam_policy_document.{id}.json}}" };
            // Only this service account's tokens, minted for STS, may assume the role.
            documents[$"{id}_assume"] = new JsonObject
            {
                ["statement"] = new JsonArray(new JsonObject
                {
                    ["actions"] = new JsonArray("sts:AssumeRoleWithWebIdentity"),
                    ["principals"] = new JsonArray(new JsonObject { ["type"] = "Federated", ["identifiers"] = new JsonArray("${aws_iam_openid_connect_provider.cluster.arn}") }),
                    ["condition"] = new JsonArray(
                        new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuer}:aud", ["values"] = new JsonArray(WorkloadIdentity.Audience) },
                        new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuer}:sub", ["values"] = new JsonArray(identity.Subject) }),
                }),
            };
            documents[id] = new JsonObject
            {
                ["statement"] = new JsonArray([.. identity.Grants.Select(g => (JsonNode)new JsonObject
                {
                    ["sid"] = g.On.ToString(),
                    ["actions"] = new JsonArray([.. g.Actions.Select(a => (JsonNode)a)]),
                    ["resources"] = new JsonArray([.. AwsArns(spec, g.On).Select(a => (JsonNode)a)]),
                })]),
            };
        }
        return new JsonObject
        {
            ["resource"] = new JsonObject
            {
                ["aws_iam_openid_connect_provider"] = new JsonObject
                {
                    ["cluster"] = new JsonObject { ["url"] = WorkloadIdentity.Issuer(spec), ["client_id_list"] = new JsonArray(WorkloadIdentity.Audience), ["tags"] = Tags(spec) },
                },
                ["aws_s3_bucket_policy"] = new JsonObject
                {
                    [IssuerBucketId] = new JsonObject
                    {
                        ["bucket"] = $"${{aws_s3_bucket.{IssuerBucketId}.id}}",
                        ["policy"] = "${data.aws_iam_policy_document.oidc_public.json}",
                        ["depends_on"] = new JsonArray($"aws_s3_bucket_public_access_block.{IssuerBucketId}"),
                    },
                },
                ["aws_iam_role"] = roles,
                ["aws_iam_role_policy"] = policies,
                // The key the API server signs service-account tokens with (RSA, as IAM verifies them); it lives in the encrypted state.
                ["tls_private_key"] = new JsonObject { ["service_account"] = new JsonObject { ["algorithm"] = "RSA", ["rsa_bits"] = 2048 } },
            },
            ["data"] = new JsonObject { ["aws_iam_policy_document"] = documents },
        };
    }

    /// <summary>Every service account the components give an AWS role, in a stable order.</summary>
    internal static IEnumerable<AwsIdentity> Identities(PlatformModel model) =>
        model.Declarations.SelectMany(d => d.AwsIdentities).OrderBy(i => i.Namespace, StringComparer.Ordinal).ThenBy(i => i.ServiceAccount, StringComparer.Ordinal);

    internal static string RoleId(AwsIdentity identity) => Id($"{identity.Namespace}_{identity.ServiceAccount}");

    /// <summary>The ARNs a grant names, as Terraform references to what it creates.</summary>
    private static IEnumerable<string> AwsArns(PlatformSpec spec, AwsResource resource) => resource switch
    {
        AwsResource.DnsZones => spec.Domains.Select(d => $"${{aws_route53_zone.{Id(d.Name)}.arn}}"),
        AwsResource.DnsAccount => ["*"],
        AwsResource.BackupBucket => ["${aws_s3_bucket.postgres_backups.arn}", "${aws_s3_bucket.postgres_backups.arn}/*"],
        AwsResource.PlatformKey => ["${aws_kms_key.platform.arn}"],
        _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, "no ARN for this resource"),
    };
}
