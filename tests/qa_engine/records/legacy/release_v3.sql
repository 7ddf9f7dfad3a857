BEGIN TRANSACTION;
CREATE TABLE answers (
	id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	question TEXT NOT NULL, 
	answered BOOLEAN NOT NULL, 
	reply TEXT NOT NULL, 
	span TEXT, 
	span_start INTEGER, 
	span_end INTEGER, 
	passage_id VARCHAR(512), 
	passage_text TEXT, 
	passage_label TEXT, 
	retrieved_ids JSON NOT NULL, 
	sources JSON NOT NULL, 
	confidence FLOAT NOT NULL, 
	model_version VARCHAR(255) NOT NULL, 
	latency_ms FLOAT NOT NULL, 
	total_ms FLOAT, 
	surface VARCHAR(32) NOT NULL, 
	delivery VARCHAR(32), 
	channel VARCHAR(64), 
	thread_ts VARCHAR(32), 
	message_ts VARCHAR(32), 
	asker VARCHAR(64), 
	PRIMARY KEY (id)
);
INSERT INTO "answers" VALUES(1,'2026-12-07 15:07:23.930603','return window 0?',1,'Within 30 days.','30 days',15,22,'policies/returns.md#0','Returns within 30 days of delivery.','Returns','["policies/returns.md#0"]','[{"id": "policies/returns.md#0", "title": "Returns", "source": "policies/returns.md", "score": 0.9}]',0.8,'shipped-0.6',12.0,NULL,'command',NULL,'C1',NULL,'1700000000.000000','U9');
INSERT INTO "answers" VALUES(2,'2026-12-07 15:07:23.936686','return window 1?',1,'Within 30 days.','30 days',15,22,'policies/returns.md#0','Returns within 30 days of delivery.','Returns','["policies/returns.md#0"]','[{"id": "policies/returns.md#0", "title": "Returns", "source": "policies/returns.md", "score": 0.9}]',0.8,'shipped-0.6',12.0,NULL,'command',NULL,'C1',NULL,'1700000000.000001','U9');
INSERT INTO "answers" VALUES(3,'2026-12-07 15:07:23.940206','return window 2?',1,'Within 30 days.','30 days',15,22,'policies/returns.md#0','Returns within 30 days of delivery.','Returns','["policies/returns.md#0"]','[{"id": "policies/returns.md#0", "title": "Returns", "source": "policies/returns.md", "score": 0.9}]',0.8,'shipped-0.6',12.0,NULL,'command',NULL,'C1',NULL,'1700000000.000002','U9');
CREATE TABLE apscheduler_jobs (
	id VARCHAR(191) NOT NULL, 
	next_run_time FLOAT, 
	job_state BLOB NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "apscheduler_jobs" VALUES('legacy-job',1.7966596441218690872e+09,X'800595E4010000000000007D94288C0776657273696F6E944B018C026964948C0A6C65676163792D6A6F62948C0466756E63948C0E6275696C74696E733A7072696E74948C0774726967676572948C1D61707363686564756C65722E74726967676572732E696E74657276616C948C0F496E74657276616C547269676765729493942981947D942868014B028C0874696D657A6F6E65948C086275696C74696E73948C07676574617474729493948C087A6F6E65696E666F948C085A6F6E65496E666F9493948C095F756E7069636B6C6594869452948C074574632F555443944B01869452948C0A73746172745F64617465948C086461746574696D65948C086461746574696D65949394430A07EA0C0710071801DC0D946818869452948C08656E645F64617465944E8C08696E74657276616C94681A8C0974696D6564656C74619493944B004D100E4B00879452948C066A6974746572944E75628C086578656375746F72948C0764656661756C74948C046172677394298C066B7761726773947D948C046E616D65948C057072696E74948C126D6973666972655F67726163655F74696D65944B018C08636F616C6573636594888C0D6D61785F696E7374616E636573944B018C0D6E6578745F72756E5F74696D6594681C430A07EA0C0710071801DC0D94681886945294752E');
CREATE TABLE corrections (
	id INTEGER NOT NULL, 
	answer_id INTEGER NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	text TEXT NOT NULL, 
	source_hint TEXT, 
	reason VARCHAR(32), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(answer_id) REFERENCES answers (id) ON DELETE CASCADE
);
INSERT INTO "corrections" VALUES(1,2,'U1','Within 30 days of delivery',NULL,'wrong_span','2026-12-07 15:07:23.992373');
CREATE TABLE handoffs (
	id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	answer_id INTEGER NOT NULL, 
	requested_by VARCHAR(64) NOT NULL, 
	escalation_channel VARCHAR(64) NOT NULL, 
	escalation_ts VARCHAR(32), 
	replied_by VARCHAR(64), 
	replied_at DATETIME, 
	replies INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(answer_id) REFERENCES answers (id) ON DELETE CASCADE
);
INSERT INTO "handoffs" VALUES(1,'2026-12-07 15:07:24.034138',3,'U1','C_LEADS','1700000002.000001',NULL,NULL,0);
CREATE TABLE processed_events (
	event_id VARCHAR(64) NOT NULL, 
	received_at DATETIME NOT NULL, 
	PRIMARY KEY (event_id)
);
INSERT INTO "processed_events" VALUES('Ev0001','2026-12-07 15:07:24.018407');
CREATE TABLE question_jobs (
	id INTEGER NOT NULL, 
	"key" VARCHAR(64) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	stage VARCHAR(16) NOT NULL, 
	admitted_at FLOAT NOT NULL, 
	not_before FLOAT NOT NULL, 
	lease_owner VARCHAR(128), 
	lease_until FLOAT, 
	attempts INTEGER NOT NULL, 
	question JSON NOT NULL, 
	answer_id INTEGER, 
	message JSON, 
	posted_at FLOAT, 
	posts INTEGER NOT NULL, 
	outcome VARCHAR(32), 
	finished_at FLOAT, 
	detail TEXT, 
	PRIMARY KEY (id), 
	UNIQUE ("key")
);
INSERT INTO "question_jobs" VALUES(1,'5ab7c56a009842a289512464cd939bae','queued','answer',1.79665604401874089241e+09,0.0,NULL,NULL,0,'{"text": "q", "channel": "C1", "asker": "U9"}',NULL,NULL,NULL,0,NULL,NULL,NULL);
CREATE TABLE retrain_lock (
	name VARCHAR(64) NOT NULL, 
	owner VARCHAR(255) NOT NULL, 
	acquired_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
INSERT INTO "retrain_lock" VALUES('retrain','host:1:abc','2026-12-07 15:07:24.083103','2026-12-07 15:08:24.083103');
CREATE TABLE retrain_runs (
	id INTEGER NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	"trigger" VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	reason TEXT NOT NULL, 
	parent VARCHAR(255), 
	candidate VARCHAR(255), 
	fingerprint VARCHAR(64), 
	owner VARCHAR(255), 
	details JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "retrain_runs" VALUES(1,'2026-12-07 15:07:24.080721','2026-12-07 15:07:24.082256','manual','rejected','candidate not better','shipped-0.6','cand-1',NULL,'host:1:abc','{}');
CREATE TABLE rollbacks (
	id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	from_version VARCHAR(255), 
	to_version VARCHAR(255), 
	outcome VARCHAR(16) NOT NULL, 
	detail VARCHAR(500) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "rollbacks" VALUES(1,'2026-12-07 15:07:24.041906','U5','shipped-0.6','shipped-0.5','done','');
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_version" VALUES(3,'2026-12-07 15:07:23.903827');
CREATE TABLE verified_answers (
	id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	source_key VARCHAR(64) NOT NULL, 
	origin VARCHAR(16) NOT NULL, 
	answer_id INTEGER NOT NULL, 
	correction_id INTEGER, 
	question TEXT NOT NULL, 
	question_key VARCHAR(512) NOT NULL, 
	passage_id VARCHAR(512) NOT NULL, 
	passage_text TEXT NOT NULL, 
	passage_label TEXT, 
	span TEXT NOT NULL, 
	span_start INTEGER NOT NULL, 
	span_end INTEGER NOT NULL, 
	verified_by JSON NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	status_reason TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (source_key), 
	FOREIGN KEY(answer_id) REFERENCES answers (id) ON DELETE CASCADE
);
INSERT INTO "verified_answers" VALUES(1,'2026-12-07 15:07:23.973134','2026-12-07 15:07:23.973142','votes:1','votes',1,NULL,'return window 0?','return window 0?','policies/returns.md#0','Returns within 30 days of delivery.','Returns','30 days',15,22,'["U1", "U2"]','active',NULL);
INSERT INTO "verified_answers" VALUES(2,'2026-12-07 15:07:24.017208','2026-12-07 15:07:24.017214','correction:1','correction',2,1,'return window 1?','return window 1?','policies/returns.md#0','Returns within 30 days of delivery.','Returns','30 days',15,22,'["U1"]','active',NULL);
CREATE TABLE votes (
	id INTEGER NOT NULL, 
	answer_id INTEGER NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	value SMALLINT NOT NULL, 
	action VARCHAR(8) NOT NULL, 
	source VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	event_ts VARCHAR(32), 
	PRIMARY KEY (id), 
	FOREIGN KEY(answer_id) REFERENCES answers (id) ON DELETE CASCADE
);
INSERT INTO "votes" VALUES(1,1,'U1',1,'add','reaction','2026-12-07 15:07:23.948791','1700000001.000001');
INSERT INTO "votes" VALUES(2,1,'U2',1,'add','button','2026-12-07 15:07:23.964430','1700000001.000002');
INSERT INTO "votes" VALUES(3,2,'U1',-1,'add','reaction','2026-12-07 15:07:23.977753','1700000001.000003');
CREATE INDEX ix_answers_created_at ON answers (created_at);
CREATE INDEX ix_answers_message_ts ON answers (message_ts);
CREATE INDEX ix_answers_channel ON answers (channel);
CREATE INDEX ix_question_jobs_finished_at ON question_jobs (finished_at);
CREATE INDEX ix_question_jobs_state ON question_jobs (state);
CREATE INDEX ix_votes_answer_id ON votes (answer_id);
CREATE INDEX ix_corrections_answer_id ON corrections (answer_id);
CREATE INDEX ix_verified_answers_answer_id ON verified_answers (answer_id);
CREATE INDEX ix_verified_answers_updated_at ON verified_answers (updated_at);
CREATE INDEX ix_verified_answers_question_key ON verified_answers (question_key);
CREATE INDEX ix_verified_answers_status ON verified_answers (status);
CREATE INDEX ix_handoffs_created_at ON handoffs (created_at);
CREATE INDEX ix_handoffs_answer_id ON handoffs (answer_id);
CREATE INDEX ix_handoffs_escalation_ts ON handoffs (escalation_ts);
CREATE INDEX ix_retrain_runs_started_at ON retrain_runs (started_at);
CREATE INDEX ix_retrain_runs_status ON retrain_runs (status);
CREATE INDEX ix_apscheduler_jobs_next_run_time ON apscheduler_jobs (next_run_time);
COMMIT;
