"""Seeds an AWS organization in moto for the benchmarks, with botocore directly (fast).

The management account (moto's default, 123456789012) becomes an organization
with an OU `workloads` holding ACCOUNTS member accounts. Every account gets a
`CloudBuilder` role whose trust policy lets the management account assume it
with the external id, and, in each region, INSTANCES EC2 instances launched one
per RunInstances call (one reservation each, as instances launched over time
are). With --extras, every member also gets what the other inventory tables
read: S3 buckets (tagged), IAM users, and per region an EBS volume, a security
group, a Lambda function and an RDS instance.

Members are set up concurrently (--workers). Prints the organization as JSON:
{"management", "ou", "members", "regions", "instances"}.

Usage: seed.py ENDPOINT EXTERNAL_ID --accounts N --regions R1,R2 --instances K [--extras] [--workers W]
"""

import argparse
import io
import json
import sys
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

import botocore.session

ADMIN = {"aws_access_key_id": "AKIAADMINEXAMPLE0000", "aws_secret_access_key": "admin-setup-secret"}
EXTRAS_BUCKETS, EXTRAS_USERS = 12, 3


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("endpoint")
    p.add_argument("external_id")
    p.add_argument("--accounts", type=int, required=True)
    p.add_argument("--regions", default="us-east-1")
    p.add_argument("--instances", type=int, default=0, help="instances per member account and region")
    p.add_argument("--extras", action="store_true", help="also seed what every other inventory table reads")
    p.add_argument("--workers", type=int, default=4)
    return p.parse_args()


class Clients:
    """botocore clients against moto; botocore sessions are not thread-safe, so creation is serialized."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.session = botocore.session.get_session()
        self.lock = threading.Lock()

    def __call__(self, service, region="us-east-1", creds=None):
        with self.lock:
            return self.session.create_client(service, region_name=region, endpoint_url=self.endpoint, **(creds or ADMIN))


def lambda_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def seed_member(client, args, index, account, trust, amis):
    c = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
    )["Credentials"]
    creds = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
             "aws_session_token": c["SessionToken"]}
    iam = client("iam", creds=creds)
    role_arn = iam.create_role(RoleName="CloudBuilder", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    regions = args.regions.split(",")
    if args.extras:
        s3 = client("s3", creds=creds)
        for b in range(EXTRAS_BUCKETS):
            name = f"bench-{account}-{b}"
            s3.create_bucket(Bucket=name)
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "team", "Value": f"team-{b % 3}"}]})
        for u in range(EXTRAS_USERS):
            iam.create_user(UserName=f"user-{u}")
    for region in regions:
        ec2 = client("ec2", region, creds)
        for i in range(args.instances):
            ec2.run_instances(
                ImageId=amis[region], InstanceType="t3.micro", MinCount=1, MaxCount=1,
                TagSpecifications=[{"ResourceType": "instance", "Tags": [
                    {"Key": "Name", "Value": f"member-{index}-{region}-{i}"}, {"Key": "team", "Value": f"team-{i % 3}"},
                ]}],
            )
        if args.extras:
            ec2.create_volume(AvailabilityZone=f"{region}a", Size=8)
            vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
            ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)
            client("lambda", region, creds).create_function(
                FunctionName="bench", Runtime="python3.12", Role=role_arn, Handler="index.handler",
                Code={"ZipFile": lambda_zip()},
            )
            client("rds", region, creds).create_db_instance(
                DBInstanceIdentifier="bench", DBInstanceClass="db.t3.micro", Engine="postgres",
                MasterUsername="bench", MasterUserPassword="bench-password", AllocatedStorage=20,
            )


def main():
    args = parse_args()
    client = Clients(args.endpoint)
    orgs = client("organizations")
    management = orgs.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    root = orgs.list_roots()["Roots"][0]["Id"]
    ou = orgs.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    trust = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": args.external_id}},
        }],
    })
    # The management account is an account of the organization too, scanned like the others.
    client("iam").create_role(RoleName="CloudBuilder", AssumeRolePolicyDocument=trust)
    regions = args.regions.split(",")
    amis = {r: client("ec2", r).describe_images(Owners=["amazon"])["Images"][0]["ImageId"] for r in regions} if args.instances else {}

    def create(index):
        account = orgs.create_account(Email=f"member{index}@example.com", AccountName=f"member-{index}")
        account_id = account["CreateAccountStatus"]["AccountId"]
        orgs.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=ou)
        seed_member(client, args, index, account_id, trust, amis)
        return account_id

    with ThreadPoolExecutor(args.workers) as pool:
        members = list(pool.map(create, range(args.accounts)))
    json.dump({"management": management, "ou": ou, "members": members, "regions": regions,
               "instances": args.accounts * len(regions) * args.instances}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
