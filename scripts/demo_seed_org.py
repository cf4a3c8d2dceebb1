"""Seeds the demo organization in moto, with botocore from the project's venv.

Makes the management account an organization with an OU `workloads` holding
three member accounts (each with the OrganizationAccountAccessRole that
Organizations creates); gives every member a tagged S3 bucket and a few tagged
EC2 instances in two regions; and delivers published CloudTrail log files into
an organization trail bucket, `org-cloudtrail-logs`, as CloudTrail lays them
out. The Cloud Builder roles are cloudbuilder's job (`role apply`).
Usage: demo_seed_org.py ENDPOINT
"""

import datetime
import gzip
import json
import pathlib
import sys

import botocore.session

endpoint = sys.argv[1]
REGIONS = ["us-east-1", "eu-west-1"]
session = botocore.session.get_session()


def client(service, region="us-east-1", creds=None):
    creds = creds or {"aws_access_key_id": "AKIAADMINEXAMPLE0000", "aws_secret_access_key": "admin-setup-secret"}
    return session.create_client(service, region_name=region, endpoint_url=endpoint, **creds)


orgs = client("organizations")
org_id = orgs.create_organization(FeatureSet="ALL")["Organization"]["Id"]
root = orgs.list_roots()["Roots"][0]["Id"]
ou = orgs.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
members = []
for name, instances in [("payments-prod", 3), ("analytics", 2), ("sandbox", 1)]:
    account = orgs.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"]
    orgs.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
    c = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
    )["Credentials"]
    creds = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"], "aws_session_token": c["SessionToken"]}
    s3 = client("s3", creds=creds)
    s3.create_bucket(Bucket=f"{name}-artifacts-{account}")
    s3.put_bucket_tagging(Bucket=f"{name}-artifacts-{account}", Tagging={"TagSet": [{"Key": "team", "Value": name.split("-")[0]}]})
    for region in REGIONS:
        ec2 = client("ec2", region, creds)
        ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        for i in range(instances):
            ec2.run_instances(
                ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                TagSpecifications=[{"ResourceType": "instance", "Tags": [
                    {"Key": "Name", "Value": f"{name}-{region}-{i + 1}"}, {"Key": "team", "Value": name.split("-")[0]},
                ]}],
            )
    print(f"  member {account} ({name}): a bucket, {instances} instance(s) in each of {', '.join(REGIONS)}")
    members.append(account)

# The organization trail's bucket, in the management account, with published log files.
fixtures = pathlib.Path(__file__).resolve().parent.parent / "crates/cloudbuilder/tests/fixtures/cloudtrail"
trail = client("s3")
trail.create_bucket(Bucket="org-cloudtrail-logs")
day = datetime.date.today()
for i, (account, path) in enumerate(zip(members, sorted(fixtures.glob("*.json")))):
    records = json.loads(path.read_text())
    body = gzip.compress(json.dumps(records if isinstance(records, dict) else {"Records": records}).encode())
    key = (f"AWSLogs/{org_id}/{account}/CloudTrail/us-east-1/{day:%Y/%m/%d}/"
           f"{account}_CloudTrail_us-east-1_{day:%Y%m%d}T{10 + i:02d}00Z_demo{i}.json.gz")
    trail.put_object(Bucket="org-cloudtrail-logs", Key=key, Body=body)
print(f"  trail bucket org-cloudtrail-logs: {len(members)} log files under AWSLogs/{org_id}/")
