using Build.Catalog;
using Build.Fleet;

namespace Build.Tests.Fleet;

/// <summary>Fleet inputs that must never pass: credentials in clear, machine names that become paths, depends_on cycles.</summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetInputRulesTests
{
    private static InputException Fails(string services, string? machines = null) => Should.Throw<InputException>(() => FleetFixture.Parse(services, machines));

    [TestCase("HF_TOKEN", "hf_abc", "its name has 'TOKEN'")]
    [TestCase("DB_PASSWORD", "x", "its name has 'PASSWORD'")]
    [TestCase("OPENAI_API_KEY", "sk-1", "its name ends in 'API_KEY'")]
    [TestCase("aws_secret_access_key", "k", "its name has 'SECRET'")]
    [TestCase("DATABASE_URL", "postgres://app:hunter2@db:5432/app", "its value is a URL with a password in it")]
    [TestCase("REDIS_URL", "redis://:hunter2@redis:6379/0", "its value is a URL with a password in it")]
    public void A_credential_looking_env_value_is_refused(string name, string value, string why)
    {
        Credentials.Why(name, value).ShouldBe(why);
        var e = Fails($"  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: {{ port: 8000 }}\n    env: {{ {name}: \"{value}\" }}\n").Errors.ShouldHaveSingleItem();
        e.Message.ShouldBe($"'{name}' looks like a credential ({why}): its value would be written into the committed Compose file and the image.");
        e.Where!.Line.ShouldBe(11, "the env line");
    }

    [TestCase("TOKENIZERS_PARALLELISM", "false")]
    [TestCase("KEYBOARD_LAYOUT", "us")]
    [TestCase("PASSWORD_MIN_LENGTH_HINT_FILE", "")]
    [TestCase("DATABASE_URL", "postgres://app@db:5432/app")]
    [TestCase("HELLO_ADDRESS", "hello:17001")]
    [TestCase("MONKEY_PATCH", "1")]
    [TestCase("HF_HOME", "/cache/huggingface")]
    public void Ordinary_env_values_pass(string name, string value) => Credentials.Why(name, value).ShouldBeNull();

    [TestCase("../escape")]
    [TestCase("Main PC")]
    [TestCase("MainPC")]
    public void A_machine_name_that_is_not_a_plain_name_is_refused(string machine)
    {
        var e = Fails("  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n", $"  mainpc: {{ port_offset: 0 }}\n  \"{machine}\": {{ port_offset: 0 }}\n").Errors.ShouldHaveSingleItem();
        e.Message.ShouldBe($"'{machine}' is not a valid machine name.");
    }

    [Test]
    public void A_depends_on_cycle_is_one_error_naming_the_cycle()
    {
        string S(string name, int port, string dep) => $"  {name}:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: {name.ToLowerInvariant()}/app.py\n    health: {{ port: {port} }}\n    depends_on: [{dep}]\n";
        var e = Fails(S("A", 8001, "B") + S("B", 8002, "C") + S("C", 8003, "A") + S("D", 8004, "A")).Errors.ShouldHaveSingleItem();

        e.Subject.ShouldBe("A");
        e.Message.ShouldBe("depends_on forms a cycle: A → B → C → A.");
    }
}
