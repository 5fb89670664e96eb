-- Each service owns its database; the image creates `scheduling` (POSTGRES_DB), this adds the others.
CREATE DATABASE notifications OWNER werkplaats;
CREATE DATABASE initiatives OWNER werkplaats;
CREATE DATABASE centres OWNER werkplaats;
CREATE DATABASE reach OWNER werkplaats;
CREATE DATABASE dashboard OWNER werkplaats;
