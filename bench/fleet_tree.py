"""Writes the benchmark's fleet-sized tree into the folder given: docker/families.yaml (24 families: a root, 5
children, 18 grandchildren, 8-32 MiB layers), docker/fleet.yaml (the 69 services of Kiln's docker/fleet.yaml, at
their real entrypoint paths, 34 of them in main_pc_code/agents/, spread over the families and both machines) and
each service's program: about 200 lines with 5-15 imports (stdlib, the shared package common/ for every third
service, main_pc_code.utils for every agent in main_pc_code/agents/ whose index is even). Used by bench/bake.sh;
prints the importers of common/bus.py and of main_pc_code/utils/text.py (one per line, tab-separated) for it."""
import os
import re
import sys

root = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))


def write(rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


lines = ["version: 1", "registry: 127.0.0.1:5000/kiln/fleet", "platforms: [linux/amd64]",
         "defaults:", "  user: { name: app, uid: 10001, gid: 10001 }",
         "machines:", "  mainpc: { env: { OMP_NUM_THREADS: \"8\" } }", "  pc2: { env: { OMP_NUM_THREADS: \"2\" } }",
         "families:",
         "  root:", "    base: ${KILN_DEMO_BASE}", "    copy: [{ src: docker/files/motd, dest: /etc/motd }]",
         '    run: ["dd if=/dev/urandom of=/root.bin bs=1M count=32"]']
families = ["root"]
for i in range(23):
    name, parent = (f"mid-{i:02d}", "root") if i < 5 else (f"leaf-{i:02d}", f"mid-{i % 5:02d}")
    families.append(name)
    lines += [f"  {name}:", f"    parent: {parent}", f'    run: ["dd if=/dev/urandom of=/{name}.bin bs=1M count=8"]']
write("docker/families.yaml", "\n".join(lines) + "\n")

# The real fleet's services and entrypoints, in its order.
services, name = [], None
for line in open(os.path.join(here, "..", "docker", "fleet.yaml")):
    m = re.match(r"^  ([A-Za-z0-9][A-Za-z0-9_.-]*):\s*$", line)
    if m:
        name = m.group(1)
    m = re.match(r"^    entrypoint: (\S+)", line)
    if m and name:
        services.append((name, m.group(1)))
        name = None
assert len(services) == 69, len(services)

STDLIB = ["os", "sys", "json", "time", "logging", "threading", "socket", "pathlib", "dataclasses", "typing",
          "collections", "functools", "itertools", "queue", "signal", "argparse", "hashlib", "re"]
write("common/__init__.py", '"""Shared first-party code of the bench fleet."""\n')
write("common/bus.py", "import json\nimport socket\n\n\ndef publish(topic, payload):\n    return json.dumps({'topic': topic, 'payload': payload})\n\n\ndef connect(host, port):\n    return socket.create_connection((host, port), 2)\n")
write("common/config.py", "import os\n\n\ndef get(name, default=None):\n    return os.environ.get(name, default)\n")
write("main_pc_code/__init__.py", "")
write("main_pc_code/agents/__init__.py", "")
write("main_pc_code/utils/__init__.py", "")
write("main_pc_code/utils/text.py", "import re\n\n\ndef words(s):\n    return re.findall(r'\\w+', s)\n")
write("tools/notes.py", "# imported by nothing\n")

fleet = ["version: 1", "source_root: apps", "deploy_dir: deploy", "defaults:", "  requirements: none",
         "machines:", "  mainpc: { port_offset: 0 }", "  pc2: { port_offset: 0 }", "services:"]
common_users, utils_users = [], []
agent_index = 0
for i, (svc, entry) in enumerate(services):
    imports = [f"import {m}" for m in STDLIB[: 4 + i % 8]]
    if i % 3 == 0:
        imports.append("from common import bus")
        imports.append("from common.config import get")
        common_users.append(svc)
    if entry.startswith("main_pc_code/agents/"):
        if agent_index % 2 == 0:
            imports.append("from main_pc_code.utils.text import words")
            utils_users.append(svc)
        agent_index += 1
    body = [f'"""{svc}: a stand-in agent of the bench fleet."""', *imports, "", ""]
    for k in range(30):
        body += [f"def step_{k}(x):", f"    \"\"\"Step {k}.\"\"\"", f"    y = x * {k + 1}", "    return y + 1", "", ""]
    body += ["if __name__ == '__main__':", f"    print('{svc}', step_0(1))"]
    write(os.path.join("apps", entry), "\n".join(body) + "\n")
    fleet += [f"  {svc}:", f"    machines: [{'mainpc' if i % 2 == 0 else 'pc2'}]", "    needs: [cpu]",
              f"    family: {families[i % len(families)]}", f"    entrypoint: {entry}",
              f"    ports: [{20000 + i}]", f"    health: {{ port: {20000 + i} }}"]
# The shared code lives under apps/ with the services (source_root).
for rel in ["common/__init__.py", "common/bus.py", "common/config.py", "main_pc_code/__init__.py",
            "main_pc_code/agents/__init__.py", "main_pc_code/utils/__init__.py", "main_pc_code/utils/text.py", "tools/notes.py"]:
    os.makedirs(os.path.dirname(os.path.join(root, "apps", rel)), exist_ok=True)
    os.replace(os.path.join(root, rel), os.path.join(root, "apps", rel))
write("docker/fleet.yaml", "\n".join(fleet) + "\n")
print("common/bus.py\t" + ",".join(sorted(common_users)))
print("main_pc_code/utils/text.py\t" + ",".join(sorted(utils_users)))
print("agent\t" + next(e for _, e in services if e.startswith("main_pc_code/agents/")) + "\t" + next(s for s, e in services if e.startswith("main_pc_code/agents/")))
